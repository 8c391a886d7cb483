// Every role × every signed-in route: allowed where it should be, 403 where the
// role may not use the page at all, 404 for objects outside the actor's scope
// (guessed ids across agencies included), and the refusals in the audit log.
import { strict as assert } from "node:assert";
import { forEachDatabase } from "../support/databases";
import { startTestServer, TestServer } from "../support/app";
import { AccessFixture, PASSWORD, seedAccessFixture } from "../support/access-fixture";
import { WebClient } from "../support/web-client";

type Who = "admin" | "operator" | "provincial" | "focal_a" | "focal_b" | "oversight";
const EVERYONE: Who[] = ["admin", "operator", "provincial", "focal_a", "focal_b", "oversight"];

forEachDatabase("access: roles × routes", (db) => {
  let server: TestServer;
  let fx: AccessFixture;
  const clients = {} as Record<Who, WebClient>;

  before(async function () {
    this.timeout(90_000);
    server = await startTestServer(db);
    fx = await seedAccessFixture(server, db.dataDir);
    for (const who of EVERYONE) {
      clients[who] = new WebClient(server.url);
      const r = await clients[who].signIn(who, PASSWORD);
      assert.equal(r.status, 303, `${who} signs in`);
    }
  });

  after(async () => {
    await server?.close();
  });

  // Expected status per route and role. "in" = the object is in the role's scope.
  function matrix(): Array<{ path: string; expect: Record<Who, number> }> {
    const { units: u, users: p, certs: c } = fx;
    const all = (n: number) => Object.fromEntries(EVERYONE.map((w) => [w, n])) as Record<Who, number>;
    const only = (ok: Who[], otherwise: number) => Object.fromEntries(EVERYONE.map((w) => [w, ok.includes(w) ? 200 : otherwise])) as Record<Who, number>;
    const people = (ok: Who[]) => ({ ...only(ok, 404), operator: 403, oversight: 403 });
    return [
      { path: "/dashboard", expect: all(200) },
      { path: "/account", expect: all(200) },
      { path: "/units", expect: all(200) },
      { path: `/units/${u.PROV}`, expect: only(["admin", "operator", "oversight", "provincial"], 404) },
      { path: `/units/${u.DEPT_A}`, expect: only(["admin", "operator", "oversight", "provincial", "focal_a"], 404) },
      { path: `/units/${u.COMMUNE_A1}`, expect: only(["admin", "operator", "oversight", "provincial", "focal_a"], 404) },
      { path: `/units/${u.DEPT_B}`, expect: only(["admin", "operator", "oversight", "provincial", "focal_b"], 404) },
      { path: `/units/${u.OTHER_PROV}`, expect: only(["admin", "operator", "oversight"], 404) },
      { path: "/units/999999", expect: all(404) },
      { path: "/certificates", expect: all(200) },
      { path: `/certificates?unit=${u.DEPT_B}`, expect: only(["admin", "operator", "oversight", "provincial", "focal_b"], 404) },
      { path: `/certificates/${fx.certs.a}`, expect: only(["admin", "operator", "oversight", "provincial", "focal_a"], 404) },
      { path: `/certificates/${c.a1}`, expect: only(["admin", "operator", "oversight", "provincial", "focal_a"], 404) },
      { path: `/certificates/${c.b}`, expect: only(["admin", "operator", "oversight", "provincial", "focal_b"], 404) },
      { path: `/certificates/${c.other}`, expect: only(["admin", "operator", "oversight"], 404) },
      { path: `/certificates/${c.none}`, expect: only(["admin", "operator", "oversight"], 404) },
      { path: `/certificates/${c.a}/pem`, expect: only(["admin", "operator", "oversight", "provincial", "focal_a"], 404) },
      { path: `/certificates/${c.b}/der`, expect: only(["admin", "operator", "oversight", "provincial", "focal_b"], 404) },
      { path: "/certificates/00ff00ff00ff00ff", expect: all(404) },
      { path: "/users", expect: { ...all(200), operator: 403, oversight: 403 } },
      { path: `/users/${p.focal_a}`, expect: people(["admin", "provincial", "focal_a"]) },
      { path: `/users/${p.focal_b}`, expect: people(["admin", "provincial", "focal_b"]) },
      { path: `/users/${p.provincial}`, expect: people(["admin", "provincial"]) },
      { path: `/users/${p.admin}`, expect: people(["admin"]) },
    ];
  }

  it("answers every role on every route as the matrix says", async () => {
    const wrong: string[] = [];
    for (const row of matrix()) {
      for (const who of EVERYONE) {
        const r = await clients[who].get(row.path);
        if (r.status !== row.expect[who]) wrong.push(`${who} GET ${row.path}: ${r.status}, expected ${row.expect[who]}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("sends a signed-out visitor to the sign-in page from every route", async () => {
    const anon = new WebClient(server.url);
    for (const row of matrix()) {
      const r = await anon.get(row.path);
      assert.equal(r.status, 303, row.path);
      assert.equal(r.location, `/login?next=${encodeURIComponent(row.path)}`);
    }
    const json = await fetch(`${server.url}/certificates/${fx.certs.a}`, { headers: { accept: "application/json" } });
    assert.equal(json.status, 401);
    assert.equal(((await json.json()) as { error: { code: string } }).error.code, "AUTH_REQUIRED");
  });

  it("lists only the certificates, units and users of the agency's own subtree", async () => {
    const c = clients.focal_a;
    const list = (await c.get("/certificates")).text;
    assert.ok(list.includes(fx.certs.a) && list.includes(fx.certs.a1));
    for (const s of [fx.certs.b, fx.certs.none, fx.certs.other]) assert.ok(!list.includes(s), "focal point A sees a certificate of another agency");
    // Searching for B's subscriber by name, serial or e-mail finds nothing.
    for (const q of ["Lê Văn", "le van cuong", fx.certs.b, "cuong@thunghiem.gov.vn"]) {
      const r = await c.get(`/certificates?q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200);
      assert.ok(!r.text.includes(`href="/certificates/${fx.certs.b}"`), `search ${q}`);
    }
    const units = (await c.get("/units")).text;
    assert.ok(units.includes("Sở Tài chính") && units.includes("UBND xã Hy Cương"));
    assert.ok(!units.includes(`/units/${fx.units.DEPT_B}"`) && !units.includes("Sở Y tế"));
    const users = (await c.get("/users")).text;
    assert.ok(users.includes(`/users/${fx.users.focal_a}"`));
    assert.ok(!users.includes(`/users/${fx.users.focal_b}"`) && !users.includes(`/users/${fx.users.admin}"`));
    // The layout's unit tree shows the own agency only.
    const dash = (await c.get("/dashboard")).text;
    assert.match(dash, /class="tree"[^]*Sở Tài chính[^]*UBND xã Hy Cương/);
    assert.ok(!dash.includes("Sở Y tế") && !dash.includes("Tỉnh Khác"));
  });

  it("finds certificates by name without diacritics, by serial and by e-mail, within scope", async () => {
    const c = clients.provincial;
    const byName = await c.get(`/certificates?q=${encodeURIComponent("le van")}`);
    assert.ok(byName.text.includes(`href="/certificates/${fx.certs.b}"`));
    assert.ok(!byName.text.includes(`href="/certificates/${fx.certs.a}"`));
    assert.ok((await c.get(`/certificates?q=${fx.certs.a1}`)).text.includes(fx.certs.a1));
    assert.ok((await c.get(`/certificates?q=an%40thunghiem.gov.vn`)).text.includes(fx.certs.a));
    const active = await c.get(`/certificates?status=active&profile=individual&unit=${fx.units.DEPT_A}`);
    assert.ok(active.text.includes(fx.certs.a) && active.text.includes(fx.certs.a1) && !active.text.includes(fx.certs.b));
    assert.equal((await c.get("/certificates?status=bogus")).status, 400);
  });

  it("counts certificates on the dashboard within each role's scope", async () => {
    const total = async (who: Who) => /tile-total"><a href="\/certificates"><span class="tile-n">(\d+)</.exec((await clients[who].get("/dashboard")).text)?.[1];
    // Whole-CA roles also see the CA's own certificates (the audit-log signer), which belong to no unit.
    const all = String(await server.core.store.certificates.countAll());
    assert.ok(Number(all) >= 5);
    assert.equal(await total("admin"), all);
    assert.equal(await total("oversight"), all);
    assert.equal(await total("provincial"), "3");
    assert.equal(await total("focal_a"), "2");
    assert.equal(await total("focal_b"), "1");
  });

  it("downloads PEM and DER of a certificate in scope", async () => {
    const pemRes = await clients.focal_a.get(`/certificates/${fx.certs.a}/pem`);
    assert.equal(pemRes.status, 200);
    assert.match(pemRes.text, /^-----BEGIN CERTIFICATE-----/);
    const der = await fetch(`${server.url}/certificates/${fx.certs.a}/der`, { headers: { cookie: [...clients.focal_a.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } });
    assert.equal(der.status, 200);
    assert.equal(der.headers.get("content-type"), "application/pkix-cert");
    assert.equal(Buffer.from(await der.arrayBuffer())[0], 0x30);
  });

  it("audits access to an object outside the scope and a page the role may not use", async () => {
    await clients.focal_a.get(`/certificates/${fx.certs.b}`);
    const entries = await server.core.store.audit.forObject("certificate", fx.certs.b);
    const denied = entries.find((e) => e.action === "certificates.view" && e.outcome === "refused");
    assert.ok(denied, "out-of-scope read is audited");
    assert.equal(denied.actor, "web:focal_a");
    assert.equal(denied.details?.reason, "out_of_scope");
    await clients.oversight.get("/users");
    const recent = await server.core.store.audit.recent(20);
    assert.ok(recent.some((e) => e.action === "users.list" && e.actor === "web:oversight" && e.outcome === "refused"));
  });
});
