// A port Parley cannot listen on, said in one line with what to do about it.

export class ListenError extends Error {
  override readonly name = 'ListenError';

  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }

  /** The listen error as a ListenError when it is one of the usual causes; otherwise as it was. */
  static from(error: unknown, host: string, port: number): unknown {
    const code = (error as { code?: unknown } | null)?.code;
    const where = `${host}:${port}`;
    if (code === 'EADDRINUSE') {
      return new ListenError(`${where} is already in use (EADDRINUSE): stop what listens there or choose another --port`, code);
    }
    if (code === 'EACCES') {
      return new ListenError(`not allowed to listen on ${where} (EACCES): ports below 1024 need privileges; choose another --port`, code);
    }
    if (code === 'EADDRNOTAVAIL') {
      return new ListenError(`${host} is not an address of this machine (EADDRNOTAVAIL): choose another --host`, code);
    }
    return error;
  }
}
