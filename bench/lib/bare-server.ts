import path from 'node:path';
import express from 'express';

/**
 * The bare baseline of /work/shared/BASELINES.md: Express 5 + EJS in production mode (view
 * cache on), a ~22 KB page with a layout and a 50-row table rendered from memory.
 */
const rows = Array.from({ length: 50 }, (_, index) => ({
  id: index + 1,
  name: `Teilnehmende Person ${index + 1} Weißbach-Yılmaz`,
  organisation: `Gemeinde Lindenau, Ordnungsamt ${index % 7}`,
  email: `person${index + 1}@county.example.org`,
  status: index % 5 === 0 ? 'Warteliste' : 'Bestätigt',
  date: `${String(1 + (index % 28)).padStart(2, '0')}.11.2026, 09:30 Uhr`,
}));
const app = express();
app.set('view engine', 'ejs');
app.set('views', path.join(__dirname, 'bare-views'));
app.enable('view cache');
app.set('x-powered-by', false);
app.get('/', (_req, res) => res.render('page', { title: 'Anmeldungen', rows }));
const port = Number(process.env.PORT);
app.listen(port, '127.0.0.1', () => console.log('listening'));
