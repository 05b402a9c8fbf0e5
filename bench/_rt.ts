import pg from 'pg';
import { startPostgres } from '../test/setup/postgres-server.js';
const p = await startPostgres();
const c = new pg.Client({ connectionString: p.url }); await c.connect();
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  for (let i = 0; i < 5000; i++) await c.query('SELECT 1');
  console.log('select1 us', ((performance.now() - t) * 1000 / 5000).toFixed(1));
  await c.query('CREATE TABLE IF NOT EXISTS e (item int)');
  t = performance.now();
  for (let i = 0; i < 2000; i++) { await c.query('BEGIN'); await c.query('INSERT INTO e VALUES ($1)', [i]); await c.query('COMMIT'); }
  console.log('tx us', ((performance.now() - t) * 1000 / 2000).toFixed(1));
}
await c.end(); await p.stop();
