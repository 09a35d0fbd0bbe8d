import { PGlite } from "@electric-sql/pglite";

let t = Date.now();
const p = await PGlite.create();
console.log("create", Date.now() - t);
await p.exec("create table x(a int); insert into x values (1)");
t = Date.now();
const c = await p.clone();
console.log("clone", Date.now() - t, (await c.query("select * from x")).rows);
t = Date.now();
const d = await p.dumpDataDir("none");
console.log("dump", Date.now() - t, d.size);
t = Date.now();
const q = await PGlite.create({ loadDataDir: d });
console.log("load", Date.now() - t, (await q.query("select * from x")).rows);
console.log((await p.query("select pg_advisory_xact_lock(hashtextextended('a',0))")).rows);
