// One outgoing webhook subscription's recent deliveries: each attempt's time, event, attempt number,
// status, latency and error, newest first, with "Send again" to queue that event once more (same
// webhook-id). Read again every few seconds while open, since deliveries happen on their own.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ResendReply, WebhookDelivery } from '../../../src/protocol/webhooks.js';
import { when, type AdminApi } from './api.js';
import { ConsoleTable } from './table.js';
import { Note, useNote } from './note.js';

/** How often an open panel reads the log again. */
const REFRESH_MS = 3000;
/** Attempts shown: the newest. */
const SHOWN = 20;

export function DeliveriesPanel({
  api,
  id,
  url,
  onChanged,
  onClose,
}: {
  api: AdminApi;
  id: string;
  url: string;
  onChanged: () => void;
  onClose: () => void;
}): JSX.Element {
  const [deliveries, setDeliveries] = useState<WebhookDelivery[] | undefined>(undefined);
  const [failed, setFailed] = useState<string | undefined>(undefined);
  const [note, act] = useNote();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    const read = (): void =>
      void api.call<{ deliveries: WebhookDelivery[] }>('GET', `/webhooks/${encodeURIComponent(id)}/deliveries?limit=${SHOWN}`).then(
        (reply) => {
          if (!live) return;
          setDeliveries(reply.deliveries);
          setFailed(undefined);
        },
        (error: unknown) => live && setFailed(error instanceof Error ? error.message : String(error)),
      );
    read();
    const timer = setInterval(read, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, id, generation]);
  const resend = (delivery: WebhookDelivery): void =>
    void act(async () => {
      const reply = await api.call<ResendReply>('POST', `/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(delivery.eventId)}/resend`);
      if (reply.alreadyQueued) throw new Error(`${delivery.eventId} is waiting to be delivered already`);
    }, `${delivery.eventId} will be sent again, after the events waiting`).then(() => {
      setGeneration((n) => n + 1);
      onChanged();
    });

  return (
    <aside class="console-card" aria-label={`Deliveries to ${url}`} data-testid="deliveries-panel">
      <h2>
        Recent deliveries <small>{url}</small>
        <button type="button" class="link-button" onClick={onClose}>
          Close
        </button>
      </h2>
      <p class="console-note">
        The newest attempts first. "Send again" queues the event once more with the same webhook-id: a receiver that deduplicates and still has that id drops
        it.
      </p>
      <Note text={note ?? failed} />
      {deliveries === undefined ? (
        <Note text="Reading the deliveries…" />
      ) : deliveries.length === 0 ? (
        <p>No delivery attempt yet.</p>
      ) : (
        <ConsoleTable columns={['Time', 'Event', 'Attempt', 'Status', 'Latency', 'Error', '']} testId="deliveries">
          {deliveries.map((delivery, index) => (
            <tr key={`${delivery.eventId}-${delivery.at}-${index}`} data-event={delivery.eventId} data-ok={String(delivery.ok)}>
              <td title={new Date(delivery.at).toLocaleString()}>{when(delivery.at)}</td>
              <td>
                {delivery.type} <code>{delivery.eventId}</code>
              </td>
              <td>{delivery.attempt}</td>
              <td>{delivery.ok ? `${delivery.status ?? ''} delivered` : `${delivery.status ?? 'no answer'}, failed`}</td>
              <td>{delivery.latencyMs} ms</td>
              <td>{delivery.error ?? ''}</td>
              <td class="console-acts">
                <button type="button" class="button button-sm" onClick={() => resend(delivery)}>
                  Send again
                </button>
              </td>
            </tr>
          ))}
        </ConsoleTable>
      )}
    </aside>
  );
}
