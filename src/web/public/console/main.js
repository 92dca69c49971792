// Ceping admin console (测评管理): plain ES modules, no build step (the CSP allows scripts from 'self').
// session.js holds the login and the API client (shared with the live pages), meta.js the words the server
// gives for kinds, rules and actions, router.js the screens; one module per screen.
import { logoutNow, route } from './router.js';
import { renewWhileActive } from './session.js';

document.getElementById('logout').addEventListener('click', () => void logoutNow());
renewWhileActive();
window.addEventListener('hashchange', route);
route();
