// The composer's attachments: files chosen with the button, dropped on the composer or pasted (a
// screenshot), each uploaded at once with its progress shown, sent with the next message.
import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { FileDescriptor } from '../../../src/client/index.js';
import { Limits } from '../../../src/protocol/limits.js';
import { useStore } from '../hooks.js';
import { sizeText } from '../files.js';
import { CloseIcon } from './icons.js';

export interface Attachment {
  key: number;
  name: string;
  size: number;
  /** 0…1 while uploading. */
  progress: number;
  uploaded?: FileDescriptor;
  error?: string;
}

/** The attachments of one composer, and how to add and drop them. */
export function useAttachments(): {
  attachments: Attachment[];
  add: (files: Iterable<File>) => void;
  remove: (key: number) => void;
  clear: () => void;
  /** All uploaded (none failing or still going): the ids to send, or undefined. */
  ready: string[] | undefined;
} {
  const store = useStore();
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const next = useRef(1);
  const change = (key: number, patch: Partial<Attachment>): void =>
    setAttachments((list) => list.map((item) => (item.key === key ? { ...item, ...patch } : item)));
  const add = (files: Iterable<File>): void => {
    for (const file of files) {
      const key = next.current++;
      const name = file.name === '' ? 'pasted.png' : file.name;
      setAttachments((list) => (list.length >= Limits.filesPerMessage ? list : [...list, { key, name, size: file.size, progress: 0 }]));
      store
        .upload(file, name, (progress) => change(key, { progress }))
        .then(
          (uploaded) => change(key, { uploaded, progress: 1 }),
          (error: unknown) => change(key, { error: error instanceof Error ? error.message : String(error) }),
        );
    }
  };
  const ids = attachments.map((item) => item.uploaded?.id);
  const ready = attachments.length > 0 && ids.every((id): id is string => id !== undefined) ? ids : undefined;
  return {
    attachments,
    add,
    remove: (key) => setAttachments((list) => list.filter((item) => item.key !== key)),
    clear: () => setAttachments([]),
    ready,
  };
}

export function AttachmentList({ attachments, onRemove }: { attachments: Attachment[]; onRemove: (key: number) => void }): JSX.Element | null {
  if (attachments.length === 0) return null;
  return (
    <ul class="attachments" aria-label="Attachments">
      {attachments.map((item) => (
        <li key={item.key} class={`attachment${item.error === undefined ? '' : ' attachment-failed'}`} data-testid="attachment">
          <span class="attachment-name">{item.name}</span>
          <span class="attachment-meta">{item.error ?? (item.uploaded === undefined ? `${Math.round(item.progress * 100)} %` : sizeText(item.size))}</span>
          {item.uploaded === undefined && item.error === undefined && <progress max={1} value={item.progress} aria-label={`Uploading ${item.name}`} />}
          <button type="button" class="icon-button" aria-label={`Remove ${item.name}`} onClick={() => onRemove(item.key)}>
            <CloseIcon />
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The paperclip: a hidden file input behind a button. */
export function AttachButton({ onFiles }: { onFiles: (files: File[]) => void }): JSX.Element {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        data-testid="attach-input"
        onChange={(event) => {
          onFiles([...(event.currentTarget.files ?? [])]);
          event.currentTarget.value = '';
        }}
      />
      <button type="button" class="icon-button attach-button" aria-label="Attach files" onClick={() => input.current?.click()}>
        <span aria-hidden="true">📎</span>
      </button>
    </>
  );
}
