// The form catalogue's public surface: the templates in forms/, loaded and validated at start.
export { loadFormCatalog, type FormCatalog } from './forms.catalog.js';
