// Renders blocks and tokens as elements: every piece of message text ends up in a text node. With
// `highlight`, each case-insensitive occurrence of it is marked (what search results show).
import type { JSX } from 'preact';
import { blocksOf } from '../blocks.js';
import { tokenize, type Token } from '../format.js';

function marked(text: string, highlight: string | undefined): (JSX.Element | string)[] | string {
  if (highlight === undefined || highlight === '') return text;
  const lower = text.toLowerCase();
  const needle = highlight.toLowerCase();
  const out: (JSX.Element | string)[] = [];
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    if (at > from) out.push(text.slice(from, at));
    out.push(<mark key={at}>{text.slice(at, at + needle.length)}</mark>);
    from = at + needle.length;
  }
  if (from < text.length) out.push(text.slice(from));
  return out;
}

function render(tokens: Token[], highlight: string | undefined): (JSX.Element | string)[] {
  return tokens.map((token, index) => {
    switch (token.kind) {
      case 'text':
        return highlight === undefined ? token.text : <span key={index}>{marked(token.text, highlight)}</span>;
      case 'code':
        return <code key={index}>{marked(token.text, highlight)}</code>;
      case 'link':
        return (
          <a key={index} href={token.href} target="_blank" rel="noopener noreferrer">
            {marked(token.text, highlight)}
          </a>
        );
      case 'bold':
        return <strong key={index}>{render(token.children, highlight)}</strong>;
      case 'italic':
        return <em key={index}>{render(token.children, highlight)}</em>;
    }
  });
}

function inline(text: string, highlight: string | undefined): (JSX.Element | string)[] {
  return render(tokenize(text), highlight);
}

export function RichText({ text, highlight }: { text: string; highlight?: string | undefined }): JSX.Element {
  return (
    <>
      {blocksOf(text).map((block, index) => {
        switch (block.kind) {
          case 'text':
            return inline(block.text, highlight);
          case 'code':
            return (
              <pre key={index} class="msg-code">
                <code>{marked(block.text, highlight)}</code>
              </pre>
            );
          case 'quote':
            return (
              <blockquote key={index} class="msg-blockquote">
                {inline(block.text, highlight)}
              </blockquote>
            );
          case 'list': {
            const items = block.items.map((item, at) => <li key={at}>{inline(item, highlight)}</li>);
            return block.ordered ? (
              <ol key={index} class="msg-list">
                {items}
              </ol>
            ) : (
              <ul key={index} class="msg-list">
                {items}
              </ul>
            );
          }
        }
      })}
    </>
  );
}
