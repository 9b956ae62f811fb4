// Plain-mode lobby chat: every text frame in is a line `name: text`, every line out is a message.
const log = document.getElementById('log');
const input = document.getElementById('text');
const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
const ws = new WebSocket(`${scheme}://${location.host}/ws`);
ws.onmessage = (event) => {
  const item = document.createElement('li');
  item.textContent = event.data;
  log.append(item);
};
document.getElementById('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  if (input.value.trim() !== '') ws.send(input.value);
  input.value = '';
});
