import { useEffect, useReducer } from 'preact/hooks';
import type { Chat } from './chat.js';

/** Re-renders the calling component whenever the chat state changes. */
export function useChat(chat: Chat): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => chat.subscribe(() => bump(undefined)), [chat]);
}

/** Re-renders every `ms` while `active`. */
export function useTicker(active: boolean, ms: number): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => bump(undefined), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
}
