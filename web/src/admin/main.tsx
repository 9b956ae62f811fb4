import { render } from 'preact';
import { Console } from './console.js';
import '../styles.css';
import './admin.css';

const root = document.getElementById('admin');
if (root !== null) render(<Console token={localStorage.getItem('parley.token')} />, root);
