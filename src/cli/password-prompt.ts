// Asks for a password in the terminal without echoing it: the terminal is put in raw mode for the
// one line, so what is typed is never drawn (nor left in the scrollback).
import { StringDecoder } from 'node:string_decoder';

export class PromptCancelled extends Error {
  override readonly name = 'PromptCancelled';
  readonly code = 'cancelled';
}

const ENTER = new Set(['\r', '\n']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACE = new Set(['\u007f', '\b']);

/** Resolves with the line typed (without its newline); rejects with PromptCancelled on Ctrl+C or Ctrl+D. */
export function readHidden(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let typed = '';
    const finish = (outcome: () => void): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      outcome();
    };
    const onData = (chunk: Buffer): void => {
      for (const char of decoder.write(chunk)) {
        if (ENTER.has(char)) return finish(() => resolve(typed));
        if (char === CTRL_C || (char === CTRL_D && typed === '')) return finish(() => reject(new PromptCancelled('cancelled')));
        if (BACKSPACE.has(char)) typed = [...typed].slice(0, -1).join('');
        else if (char === CTRL_U) typed = '';
        else if (char >= ' ') typed += char;
      }
    };
    output.write(prompt);
    input.setRawMode(true);
    input.on('data', onData);
    input.resume();
  });
}
