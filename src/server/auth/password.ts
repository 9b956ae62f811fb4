// Password hashing: argon2id (the @node-rs/argon2 default) with its recommended cost, run on the
// library's thread pool so that a login does not block the event loop. The native module is loaded
// on first use: a server without accounts never pays for it at startup.
type Argon2 = typeof import('@node-rs/argon2');
let argon2: Promise<Argon2> | undefined;
const load = (): Promise<Argon2> => (argon2 ??= import('@node-rs/argon2'));
const hash = async (password: string): Promise<string> => (await load()).hash(password);
const verify = async (hashed: string, password: string): Promise<boolean> => (await load()).verify(hashed, password);

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verifying against this when the username is unknown makes "no such user" cost as much as "wrong
// password", so response times do not tell which usernames exist.
let decoy: Promise<string> | undefined;

/** True when `password` matches `passwordHash`; with no hash (unknown user) it spends the same time and is false. */
export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  if (passwordHash === undefined) {
    await verify(await (decoy ??= hash('parley decoy password')), password).catch(() => false);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
