// Rooms across the server: search, size and activity, and the acts an admin takes on one
// (archive or open again, give it a new owner, delete it with everything it stored).
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { RoomListing } from '../../../src/protocol/console.js';
import { when, type AdminApi } from './api.js';
import { ConsoleTable } from './table.js';
import { Note, useNote } from './note.js';

export function RoomsView({ api }: { api: AdminApi }): JSX.Element {
  const [search, setSearch] = useState('');
  const [rooms, setRooms] = useState<RoomListing[] | undefined>(undefined);
  const [note, act] = useNote();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const query = search.trim() === '' ? '' : `&search=${encodeURIComponent(search.trim())}`;
    api.call<{ rooms: RoomListing[] }>('GET', `/rooms?limit=100${query}`).then(
      (reply) => setRooms(reply.rooms),
      () => setRooms([]),
    );
  }, [api, search, generation]);
  const then = (work: () => Promise<unknown>, done: string): void => void act(work, done).then(() => setGeneration((n) => n + 1));

  return (
    <section aria-label="Rooms">
      <div class="console-toolbar">
        <input
          class="field"
          type="search"
          placeholder="Search rooms"
          aria-label="Search rooms"
          value={search}
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
      </div>
      <Note text={note} />
      <ConsoleTable columns={['Room', 'Kind', 'Messages', 'Joined', 'Owner', 'Active', '']}>
        {rooms?.map((room) => (
          <tr key={room.room} data-room={room.room}>
            <td>#{room.room}</td>
            <td>
              {room.private ? 'private' : 'public'}
              {room.archived ? ', archived' : ''}
            </td>
            <td>{room.seq}</td>
            <td>{room.joined}</td>
            <td>{room.owner ?? '–'}</td>
            <td>{when(room.activeAt)}</td>
            <td class="console-acts">
              <button
                type="button"
                class="button button-sm"
                onClick={() =>
                  then(
                    () => api.call('PUT', `/rooms/${room.room}/archived`, { archived: !room.archived }),
                    `#${room.room} ${room.archived ? 'is open again' : 'is archived'}`,
                  )
                }
              >
                {room.archived ? 'Unarchive' : 'Archive'}
              </button>
              <button
                type="button"
                class="button button-sm"
                onClick={() => {
                  const user = prompt(`New owner of #${room.room} (a user id)`);
                  if (user !== null && user.trim() !== '')
                    then(() => api.call('PUT', `/rooms/${room.room}/owner`, { user: user.trim() }), `${user.trim()} owns #${room.room}`);
                }}
              >
                Change owner
              </button>
              <button
                type="button"
                class="button button-sm button-danger"
                onClick={() => {
                  if (confirm(`Delete #${room.room} and every message in it? This cannot be undone.`))
                    then(() => api.call('DELETE', `/rooms/${room.room}`), `#${room.room} is deleted`);
                }}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </ConsoleTable>
      {rooms?.length === 0 && <Note text="No room matches." />}
    </section>
  );
}
