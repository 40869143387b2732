/** Entry point: mounts the console into #app. */
import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
// For bench/console-load.ts: when the first screen is on the page, measured from navigation start.
performance.mark('cowsnap:rendered');
