// The protocol's size limits, in a module of their own with no TypeBox in it, so that the web app
// can check a name or a text against the same numbers without bundling the schemas.

export const Limits = {
  nickMax: 32,
  textMax: 4000,
  cidMax: 64,
  historyMax: 100,
  historyDefault: 50,
  searchMax: 50,
  searchDefault: 20,
  /** How many messages back one `search` looks (continue with `before` = the reply's `from`). */
  searchWindow: 10_000,
  searchTextMax: 200,
  topicMax: 200,
  emojiMax: 16,
  /** Longest mute: 30 days. */
  muteMaxSeconds: 30 * 24 * 3600,
  /** Longest token `hello` accepts (session tokens are 47 characters; JWTs vary). */
  tokenMax: 8192,
  /** Most users a join reply lists; `members` reads more. */
  joinMembers: 100,
  /** Most users one `members` reply lists. */
  membersMax: 1000,
  /**
   * Longest user id, in every verb that names a user; ids the server makes (guests, accounts,
   * `ext:` + an external token's `sub`) are never longer, so every user can be named.
   */
  userIdMax: 128,
  /** Most files one message carries (`send`'s `files`). */
  filesPerMessage: 10,
  /** Longest file name kept for an upload (longer ones are cut). */
  fileNameMax: 255,
  /** File ids the server makes (`f_` and 16 characters); the schema bounds what a client may send. */
  fileIdMax: 32,
} as const;
