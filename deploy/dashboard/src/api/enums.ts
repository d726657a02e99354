// Value lists the UI offers in selects and checkboxes, typed against the generated schema so a value the API
// does not accept fails the build.
import type { Schemas } from "./client";

export type AtomType = Schemas["Atom"]["type"];
export const ATOM_TYPES: AtomType[] = [
  "problem",
  "solution",
  "decision",
  "question",
  "insight",
  "idea",
  "blocker",
  "risk",
  "requirement",
];
