// Server-to-client WebSocket frames (RFC 6455 §5.2), built once and written as-is to any number of
// sockets. Server frames are never masked, so the same bytes are valid for every recipient.
// The WebSocket transport frames with it (transport/ws/connection.ts): a push once for all its
// recipients (through the push's memo, hub/outgoing.ts), a session's replies one each.

const OPCODE_TEXT = 0x1;
const FIN = 0x80;

/** The length of a frame header for a payload of `length` bytes. */
function headerLengthOf(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/** The bytes textFrame(text) takes, header included. */
export function textFrameLength(text: string): number {
  const length = Buffer.byteLength(text);
  return headerLengthOf(length) + length;
}

/** One complete, unmasked text frame holding `text`, in a single buffer. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const headerLength = headerLengthOf(length);
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN | OPCODE_TEXT;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 0x10000) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, headerLength, 'utf8');
  return frame;
}
