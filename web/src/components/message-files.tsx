// A message's files: images as thumbnails at their own proportions (a click opens the viewer with
// the full image), other files as a download with name, type and size. Links come from the
// store's LinkCache: a file this user may not read has none and shows as unavailable.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { FileDescriptor } from '../../../src/client/index.js';
import { useStore } from '../hooks.js';
import { sizeText, useFileLink } from '../files.js';

const THUMB_EDGE = 320;

export function MessageFiles({ files }: { files: readonly FileDescriptor[] }): JSX.Element {
  const [viewing, setViewing] = useState<FileDescriptor | undefined>(undefined);
  return (
    <div class="msg-files">
      {files.map((file) =>
        file.thumb === true ? <ImageFile key={file.id} file={file} onOpen={() => setViewing(file)} /> : <OtherFile key={file.id} file={file} />,
      )}
      {viewing !== undefined && <Viewer file={viewing} onClose={() => setViewing(undefined)} />}
    </div>
  );
}

function ImageFile({ file, onOpen }: { file: FileDescriptor; onOpen: () => void }): JSX.Element {
  const link = useFileLink(useStore().links, file.id);
  const scale = Math.min(1, THUMB_EDGE / Math.max(file.width ?? THUMB_EDGE, file.height ?? THUMB_EDGE));
  const width = Math.round((file.width ?? THUMB_EDGE) * scale);
  const height = Math.round((file.height ?? THUMB_EDGE) * scale);
  return (
    <button type="button" class="msg-image" aria-label={`Open ${file.name}`} onClick={onOpen} style={{ width: `${width}px`, height: `${height}px` }}>
      {link?.thumb !== undefined && <img src={link.thumb} alt={file.name} width={width} height={height} data-testid="msg-image" />}
    </button>
  );
}

function OtherFile({ file }: { file: FileDescriptor }): JSX.Element {
  const link = useFileLink(useStore().links, file.id);
  return (
    <a class="msg-file" {...hrefOf(link?.url)} download={file.name} data-testid="msg-file" aria-disabled={link === undefined}>
      <span class="msg-file-name">{file.name}</span>
      <span class="msg-file-meta">
        {file.type} · {sizeText(file.size)}
      </span>
    </a>
  );
}

/** The full image over the page; Escape, a click outside it or the close button end it. */
function Viewer({ file, onClose }: { file: FileDescriptor; onClose: () => void }): JSX.Element {
  const link = useFileLink(useStore().links, file.id);
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div class="viewer" role="dialog" aria-label={file.name} onClick={onClose} data-testid="viewer">
      {link !== undefined && <img class="viewer-image" src={link.url} alt={file.name} onClick={(event) => event.stopPropagation()} />}
      <p class="viewer-caption">
        {file.name} · {file.width}×{file.height} · {sizeText(file.size)} ·{' '}
        <a {...hrefOf(link?.url)} download={file.name} onClick={(event) => event.stopPropagation()}>
          Download
        </a>
      </p>
    </div>
  );
}

/** An href only once the link is known (an anchor without one is not a link yet). */
function hrefOf(url: string | undefined): { href?: string } {
  return url === undefined ? {} : { href: url };
}
