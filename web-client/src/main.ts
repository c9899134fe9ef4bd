/* Entry point: mounts the application into #app. */
import { mount } from 'svelte';
import App from './App.svelte';
import { applyDocumentLocale } from './lib/i18n';
import './app.css';

applyDocumentLocale();

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app element');

export default mount(App, { target });
