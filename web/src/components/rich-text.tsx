// Renders tokens as elements: every piece of message text ends up in a text node.
import type { JSX } from 'preact';
import { tokenize, type Token } from '../format.js';

function render(tokens: Token[]): (JSX.Element | string)[] {
  return tokens.map((token, index) => {
    switch (token.kind) {
      case 'text':
        return token.text;
      case 'code':
        return <code key={index}>{token.text}</code>;
      case 'link':
        return (
          <a key={index} href={token.href} target="_blank" rel="noopener noreferrer">
            {token.text}
          </a>
        );
      case 'bold':
        return <strong key={index}>{render(token.children)}</strong>;
      case 'italic':
        return <em key={index}>{render(token.children)}</em>;
    }
  });
}

export function RichText({ text }: { text: string }): JSX.Element {
  return <>{render(tokenize(text))}</>;
}
