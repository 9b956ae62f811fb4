import { render } from 'preact';
import { App } from './app.js';
import { installRenderProbe } from './render-probe.js';
import './styles.css';
import './styles-messages.css';

installRenderProbe();
const root = document.getElementById('app');
if (root !== null) render(<App />, root);
