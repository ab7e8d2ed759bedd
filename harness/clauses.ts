/**
 * The clauses of docs/CONTRACT.md, parsed once at load: id, level (MUST/SHOULD), the
 * capabilities a clause needs, and its text. Tests cite these ids; unknown ids are refused.
 */
import { readFileSync } from "node:fs";
import {
  CAPABILITY_NAMES,
  type CapabilityName,
  CONTRACT_VERSION,
} from "../runtime/driver/index.ts";
import { PACKAGE_ROOT } from "./package-info.ts";

/** MUST clauses gate certification; SHOULD clauses are reported but never fail it. */
export type ClauseLevel = "MUST" | "SHOULD";

/** One numbered rule of the contract. */
export interface Clause {
  /** `AREA-N`, for example `MGR-4`. */
  readonly id: string;
  /** The `AREA` part of the id. */
  readonly area: string;
  readonly level: ClauseLevel;
  /** Capabilities the clause needs: its section's and its own, in manifest order. */
  readonly capabilities: readonly CapabilityName[];
  /** The rule's text, on one line. */
  readonly text: string;
}

/** Absolute path of the contract this toolkit certifies against. */
export const CONTRACT_PATH = `${PACKAGE_ROOT}/docs/CONTRACT.md`;

const CLAUSE_LINE = /^- \*\*([A-Z]+)-(\d+)\*\* (MUST|SHOULD)\b(.*)$/;
const HEADING = /^#{2,}\s+(.*)$/;
const CAPABILITY_NOTE = /\(capabilit(?:y|ies) ([^)]*)\)/;

function capabilitiesIn(text: string, where: string): CapabilityName[] {
  const note = CAPABILITY_NOTE.exec(text);
  if (!note) return [];
  const names = [...note[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  for (const name of names) {
    if (!(CAPABILITY_NAMES as readonly string[]).includes(name)) {
      throw new Error(
        `docs/CONTRACT.md: ${where} names capability "${name}"; known capabilities: ${CAPABILITY_NAMES.join(", ")}`,
      );
    }
  }
  return names as CapabilityName[];
}

/**
 * Parses contract markdown. A clause is a list item `- **AREA-N** MUST|SHOULD ...: text`, its
 * text continuing on indented lines; `(capability \`x\`)` after the level, or in the section
 * heading, adds a required capability. Throws on a duplicate id, an unknown capability, or a
 * contract version other than {@link CONTRACT_VERSION}.
 */
export function parseContract(markdown: string): Clause[] {
  const version = /Contract version \*\*(\d+)\*\*/.exec(markdown);
  if (!version || Number(version[1]) !== CONTRACT_VERSION) {
    throw new Error(
      `docs/CONTRACT.md declares contract version ${version?.[1] ?? "(none)"}, but this toolkit certifies version ${CONTRACT_VERSION}`,
    );
  }
  const clauses: Array<{
    id: string;
    area: string;
    level: ClauseLevel;
    capabilities: CapabilityName[];
    text: string;
  }> = [];
  let sectionCapabilities: CapabilityName[] = [];
  let current: (typeof clauses)[number] | undefined;
  for (const line of markdown.split(/\r?\n/)) {
    const heading = HEADING.exec(line);
    if (heading) {
      current = undefined;
      sectionCapabilities = capabilitiesIn(heading[1], `heading "${heading[1]}"`);
      continue;
    }
    const item = CLAUSE_LINE.exec(line);
    if (item) {
      const id = `${item[1]}-${item[2]}`;
      if (clauses.some((c) => c.id === id))
        throw new Error(`docs/CONTRACT.md: clause ${id} appears twice`);
      const own = capabilitiesIn(item[4].split(":")[0], `clause ${id}`);
      const wanted = new Set([...sectionCapabilities, ...own]);
      current = {
        id,
        area: item[1],
        level: item[3] as ClauseLevel,
        capabilities: CAPABILITY_NAMES.filter((c) => wanted.has(c)),
        text: item[4].replace(/^\s*(\(capabilit[^)]*\))?\s*:\s*/, "").trim(),
      };
      clauses.push(current);
      continue;
    }
    if (current && /^\s+\S/.test(line)) current.text += ` ${line.trim()}`;
    else current = undefined;
  }
  return clauses.map((c) => Object.freeze({ ...c, capabilities: Object.freeze(c.capabilities) }));
}

/** Every clause of docs/CONTRACT.md, in document order. */
export const CLAUSES: readonly Clause[] = Object.freeze(
  parseContract(readFileSync(CONTRACT_PATH, "utf8")),
);

const byId = new Map(CLAUSES.map((c) => [c.id, c]));

/** The clause with this id, or undefined. */
export function findClause(id: string): Clause | undefined {
  return byId.get(id);
}
