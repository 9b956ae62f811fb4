// Files in the web app: uploads with progress (XMLHttpRequest: fetch cannot report the bytes sent),
// and download links, asked for in batches and kept until shortly before they expire. A link names
// this user and works for minutes; the server checks the room again at every fetch.
import { useEffect, useState } from 'preact/hooks';
import type { FileDescriptor, FileLink } from '../../src/client/index.js';
import { fileLinks } from '../../src/client/index.js';

/** Sends one file to POST /api/files; `progress` gets the fraction sent (0…1). */
export function uploadWithProgress(bearer: string, file: Blob, name: string, progress: (fraction: number) => void): Promise<FileDescriptor> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('file', file, name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/files');
    xhr.setRequestHeader('authorization', `Bearer ${bearer}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) progress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText) as unknown;
      } catch {
        body = undefined;
      }
      if (xhr.status === 201) return resolve(body as FileDescriptor);
      const message = typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : `upload failed (HTTP ${xhr.status})`;
      reject(new Error(message));
    };
    xhr.onerror = () => reject(new Error('the upload was cut off; try again'));
    xhr.send(form);
  });
}

/** Renew a link this long before it expires. */
const MARGIN_MS = 30_000;

export class LinkCache {
  readonly #bearer: () => string | undefined;
  readonly #links = new Map<string, FileLink>();
  readonly #waiting = new Map<string, ((link: FileLink | undefined) => void)[]>();
  #scheduled = false;

  constructor(bearer: () => string | undefined) {
    this.#bearer = bearer;
  }

  /** The link of `id`, fetched with the other ids asked for in the same turn. */
  get(id: string): Promise<FileLink | undefined> {
    const known = this.#links.get(id);
    if (known !== undefined && known.expiresAt - MARGIN_MS > Date.now()) return Promise.resolve(known);
    return new Promise((resolve) => {
      const list = this.#waiting.get(id) ?? [];
      list.push(resolve);
      this.#waiting.set(id, list);
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const waiting = new Map(this.#waiting);
    this.#waiting.clear();
    const bearer = this.#bearer();
    const ids = [...waiting.keys()];
    const links: FileLink[] = [];
    if (bearer !== undefined) {
      for (let i = 0; i < ids.length; i += 200) links.push(...(await fileLinks(location.origin, bearer, ids.slice(i, i + 200)).catch(() => [])));
    }
    for (const link of links) this.#links.set(link.id, link);
    for (const [id, resolvers] of waiting) for (const resolve of resolvers) resolve(this.#links.get(id));
  }
}

/** The link of a file, once known (undefined while asking, or when the user may not read it). */
export function useFileLink(cache: LinkCache, id: string): FileLink | undefined {
  const [link, setLink] = useState<FileLink | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void cache.get(id).then((found) => {
      if (live) setLink(found);
    });
    return () => {
      live = false;
    };
  }, [cache, id]);
  return link;
}

/** 1.2 MB, 340 kB, 12 B. */
export function sizeText(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
