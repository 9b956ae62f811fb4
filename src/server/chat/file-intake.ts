// An upload from its stream to finished temporary files: written as it arrives (never whole in
// memory), hashed and counted on the way, cut off at the size limit; then its type is read from
// its content (file-type, never the name), and an image is decoded and re-encoded by sharp without
// its metadata (EXIF, GPS, XMP are gone), with a thumbnail. What comes out is ready for the BlobStore.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromFile } from 'file-type';
import sharp, { type Sharp } from 'sharp';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';

/** Types served inline (and so re-encoded, to be sure they are what they say): real images only. */
export const INLINE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
export const UNKNOWN_TYPE = 'application/octet-stream';
/** A larger image is kept as a plain attachment, not decoded (a decompression bomb costs nothing). */
const MAX_IMAGE_PIXELS = 40_000_000;
const THUMB_EDGE = 320;

export interface Blob {
  hash: string;
  tempFile: string;
  size: number;
}

export interface Intake {
  file: Blob;
  type: string;
  width?: number;
  height?: number;
  thumb?: Blob;
}

export class TooLarge extends ProtocolError {
  constructor(maxBytes: number) {
    super(ErrorCode.TooLarge, `a file may have at most ${maxBytes} bytes`, 'file');
  }
}

/** Counts and hashes what passes; fails with TooLarge past `maxBytes`, which ends the upload there. */
class Meter extends Transform {
  readonly #hash = createHash('sha256');
  readonly #maxBytes: number;
  bytes = 0;

  constructor(maxBytes: number) {
    super();
    this.#maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#maxBytes) {
      done(new TooLarge(this.#maxBytes));
      return;
    }
    this.#hash.update(chunk);
    done(null, chunk);
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}

export class FileIntake {
  readonly #tempDir: string;
  readonly #maxBytes: number;
  /** Images decoded at once: each can take its pixels' worth of memory. */
  #imageSlots = 2;
  readonly #waiting: (() => void)[] = [];

  constructor(tempDir: string, maxBytes: number) {
    this.#tempDir = tempDir;
    this.#maxBytes = maxBytes;
  }

  get maxBytes(): number {
    return this.#maxBytes;
  }

  /** Takes the whole stream (or fails on the way, leaving no file behind). */
  async take(stream: Readable): Promise<Intake> {
    await mkdir(this.#tempDir, { recursive: true });
    const raw = this.#tempPath();
    const meter = new Meter(this.#maxBytes);
    try {
      await pipeline(stream, meter, createWriteStream(raw, { mode: 0o600 }));
    } catch (error) {
      await rm(raw, { force: true });
      throw error;
    }
    const original: Blob = { hash: meter.digest(), tempFile: raw, size: meter.bytes };
    const detected = await fileTypeFromFile(raw).catch(() => undefined);
    const type = detected?.mime ?? UNKNOWN_TYPE;
    if (!INLINE_TYPES.has(type)) return { file: original, type };
    const image = await this.#withImageSlot(() => this.#reencode(raw, type));
    if (image === undefined) return { file: original, type: UNKNOWN_TYPE };
    await rm(raw, { force: true });
    return image;
  }

  /** The image again without its metadata, and a thumbnail; undefined when sharp cannot decode it. */
  async #reencode(raw: string, type: string): Promise<Intake | undefined> {
    const animated = type === 'image/gif' || type === 'image/webp';
    const input = (): Sharp => sharp(raw, { limitInputPixels: MAX_IMAGE_PIXELS, animated, failOn: 'error' });
    const clean = this.#tempPath();
    const thumb = this.#tempPath();
    try {
      // rotate() applies the EXIF orientation to the pixels first, since the EXIF goes. Without
      // keepMetadata/withMetadata sharp writes no EXIF, XMP or ICC chunks at all.
      await formatted(input().rotate(), type).toFile(clean);
      // An animation's frames are stacked: its height is one page's.
      const { width, height, pageHeight } = await sharp(clean, { animated }).metadata();
      await input().rotate().resize(THUMB_EDGE, THUMB_EDGE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 75 }).toFile(thumb);
      return {
        file: await blobOf(clean),
        type,
        width,
        height: pageHeight ?? height,
        thumb: await blobOf(thumb),
      };
    } catch {
      await Promise.all([rm(clean, { force: true }), rm(thumb, { force: true })]);
      return undefined;
    }
  }

  async #withImageSlot<T>(work: () => Promise<T>): Promise<T> {
    while (this.#imageSlots === 0) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#imageSlots -= 1;
    try {
      return await work();
    } finally {
      this.#imageSlots += 1;
      this.#waiting.shift()?.();
    }
  }

  #tempPath(): string {
    return join(this.#tempDir, `up-${randomBytes(12).toString('hex')}`);
  }
}

/** Removes an intake's temporary files (after a refusal that came once it was taken). */
export async function discard(intake: Intake): Promise<void> {
  await Promise.all([rm(intake.file.tempFile, { force: true }), intake.thumb === undefined ? undefined : rm(intake.thumb.tempFile, { force: true })]);
}

function formatted(image: Sharp, type: string): Sharp {
  switch (type) {
    case 'image/png':
      return image.png();
    case 'image/gif':
      return image.gif();
    case 'image/webp':
      return image.webp({ quality: 90 });
    default:
      return image.jpeg({ quality: 90, mozjpeg: true });
  }
}

async function blobOf(path: string): Promise<Blob> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return { hash: hash.digest('hex'), tempFile: path, size: (await stat(path)).size };
}
