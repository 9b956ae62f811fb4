// Files over real HTTP: multipart uploads (whole, or streamed chunk by chunk to see where a refusal
// comes), download links, and images made by sharp for the tests.
import { request as httpRequest } from 'node:http';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** POST one file as multipart/form-data to `path` with `Authorization: Bearer token`. */
export async function upload(baseUrl: string, token: string | undefined, name: string, bytes: Buffer | string, path = '/api/files'): Promise<Answer> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body: form });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

/** Download links for `ids`, as `token`'s bearer. */
export async function links(baseUrl: string, token: string, ids: string[]): Promise<{ id: string; url: string; thumb?: string }[]> {
  const response = await fetch(`${baseUrl}/api/files/links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ids }),
  });
  if (response.status !== 200) throw new Error(`links: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { links: { id: string; url: string; thumb?: string }[] }).links;
}

export async function fetchBytes(baseUrl: string, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(`${baseUrl}${path}`);
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/**
 * Streams a multipart upload of `totalBytes` in 64 KiB chunks, stopping when the answer comes:
 * resolves with the status and how many bytes of the file had been written by then.
 */
export function streamUpload(baseUrl: string, token: string, totalBytes: number): Promise<{ status: number; body: string; written: number }> {
  const boundary = 'parley-test-boundary';
  const head = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 7);
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = httpRequest(`${baseUrl}/api/files`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + totalBytes + tail.length),
      },
    });
    req.on('response', (response) => {
      answered = true;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => (body += text));
      response.on('end', () => {
        // The rest of the body is not sent: the answer came (the server discards what still arrives).
        req.destroy();
        resolve({ status: response.statusCode ?? 0, body, written });
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.write(head);
    const pump = (): void => {
      while (!answered && written < totalBytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, totalBytes - written));
        written += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end(tail);
    };
    pump();
  });
}

/** A small PNG of one colour. */
export function png(width = 40, height = 30, colour = { r: 200, g: 30, b: 60 }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

/** A JPEG that carries EXIF with a GPS position (and a camera make), as a phone's photo would. */
export function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 120, b: 200 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'ParleyTestCam', Model: 'GPS-1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2406/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 776/100' },
    })
    .toBuffer();
}

/** How many blobs are stored under a data-dir blob directory (files/<2 hex>/<hash>). */
export function blobCount(dir: string): number {
  let count = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^[0-9a-f]{2}$/.test(entry)) continue;
    const sub = join(dir, entry);
    if (statSync(sub).isDirectory()) count += readdirSync(sub).length;
  }
  return count;
}
