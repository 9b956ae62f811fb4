import type { JSX } from 'preact';
import { useState } from 'preact/hooks';

/** One line of news under a view's toolbar: what was done, or what went wrong. */
export function Note({ text }: { text: string | undefined }): JSX.Element | null {
  return text === undefined ? null : (
    <p class="console-note" role="status">
      {text}
    </p>
  );
}

/** A note and a way to run an act that sets it: `act(work, done)` shows `done`, or the error's message. */
export function useNote(): [string | undefined, (work: () => Promise<unknown>, done: string) => Promise<void>] {
  const [note, setNote] = useState<string | undefined>(undefined);
  const act = async (work: () => Promise<unknown>, done: string): Promise<void> => {
    try {
      await work();
      setNote(done);
    } catch (error) {
      setNote(error instanceof Error ? error.message : String(error));
    }
  };
  return [note, act];
}
