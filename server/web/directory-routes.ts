// The signed-in pages: dashboard, units, users, certificates (list, details,
// PEM/DER). Each route reads and checks its query, calls one directory service
// with the caller (which applies the caller's scope), and renders.
import { Router } from "express";
import { pem } from "../ca/pki-files";
import type { Portal } from "../directory/portal";
import { UNIT_TYPES } from "../directory/unit-directory";
import { idParam, intParam, q, urlWith } from "./query-params";
import { callOf, requireSignIn } from "./request-context";





export function directoryRoutes(deps: { portal: Portal }): Router {
  const r = Router();
  const { portal } = deps;
  const signedIn = requireSignIn();

  r.get("/dashboard", signedIn, async (req, res) => {
    const summary = await portal.dashboard.summary(callOf(req));
    res.render("dashboard/dashboard", { titleKey: "dashboard.title", nav: "dashboard", summary });
  });

  r.get("/units", signedIn, async (req, res) => {
    const filters = { text: q(req, "q"), type: q(req, "type", 32), page: intParam(q(req, "page", 9), "page") };
    const result = await portal.units.list(callOf(req), filters);
    res.render("units/list", {
      titleKey: "units.title",
      nav: "units",
      filters,
      result,
      types: UNIT_TYPES,
      prevUrl: result.page > 1 ? urlWith(req, { page: result.page - 1 }) : null,
      nextUrl: result.more ? urlWith(req, { page: result.page + 1 }) : null,
    });
  });

  r.get("/units/:id", signedIn, async (req, res) => {
    const page = await portal.units.get(callOf(req), idParam(req.params.id));
    res.render("units/detail", { titleKey: "units.title", nav: "units", page });
  });

  r.get("/users", signedIn, async (req, res) => {
    const filters = { text: q(req, "q", 64), page: intParam(q(req, "page", 9), "page") };
    const result = await portal.users.list(callOf(req), filters);
    res.render("users/list", {
      titleKey: "users.title",
      nav: "users",
      filters,
      result,
      prevUrl: result.page > 1 ? urlWith(req, { page: result.page - 1 }) : null,
      nextUrl: result.more ? urlWith(req, { page: result.page + 1 }) : null,
    });
  });

  r.get("/users/:id", signedIn, async (req, res) => {
    const user = await portal.users.get(callOf(req), idParam(req.params.id));
    res.render("users/detail", { titleKey: "users.title", nav: "users", user });
  });

  r.get("/certificates", signedIn, async (req, res) => {
    const filters = { status: q(req, "status", 16), profile: q(req, "profile", 32), text: q(req, "q"), unitId: intParam(q(req, "unit", 9), "unit"), after: q(req, "after", 400) };
    const result = await portal.certificates.list(callOf(req), filters);
    res.render("certificates/list", {
      titleKey: "certs.title",
      nav: "certificates",
      filters,
      result,
      firstUrl: filters.after ? urlWith(req, { after: undefined }) : null,
      nextUrl: result.next ? urlWith(req, { after: result.next }) : null,
      statuses: ["active", "expired", "revoked", "pending", "failed"],
      profiles: ["individual", "organization", "device"],
    });
  });

  r.get("/certificates/:serial", signedIn, async (req, res) => {
    const cert = await portal.certificates.get(callOf(req), String(req.params.serial));
    const subscriber = await portal.subscribers.ofCertificate(callOf(req), cert.serial);
    res.render("certificates/detail", { titleKey: "certs.detail", nav: "certificates", cert, subscriber });
  });

  r.get("/subscribers", signedIn, async (req, res) => {
    const filters = { kind: q(req, "kind", 16), text: q(req, "q"), unitId: intParam(q(req, "unit", 9), "unit"), after: q(req, "after", 400) };
    const result = await portal.subscribers.list(callOf(req), filters);
    res.render("subscribers/list", {
      titleKey: "subscribers.title",
      nav: "subscribers",
      filters,
      result,
      firstUrl: filters.after ? urlWith(req, { after: undefined }) : null,
      nextUrl: result.next ? urlWith(req, { after: result.next }) : null,
      kinds: ["individual", "organization", "device"],
    });
  });

  r.get("/subscribers/:id", signedIn, async (req, res) => {
    const page = await portal.subscribers.get(callOf(req), idParam(req.params.id));
    res.render("subscribers/detail", { titleKey: "subscribers.detail", nav: "subscribers", page });
  });

  r.get("/certificates/:serial/pem", signedIn, async (req, res) => {
    const c = await portal.certificates.der(callOf(req), String(req.params.serial));
    res.type("application/x-pem-file").attachment(`${c.serial}.pem`).send(pem("CERTIFICATE", c.der));
  });

  r.get("/certificates/:serial/der", signedIn, async (req, res) => {
    const c = await portal.certificates.der(callOf(req), String(req.params.serial));
    res.type("application/pkix-cert").attachment(`${c.serial}.cer`).send(c.der);
  });

  return r;
}
