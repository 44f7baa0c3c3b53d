import type { HumanName, Practitioner, Reference } from 'fhir/r4';

/** "Amy Rivera" (or the name's text) from the first usable HumanName. */
export function displayName(names: readonly HumanName[] | undefined): string {
  const name = names?.find((n) => n.use === 'official') ?? names?.find((n) => n.use !== 'old') ?? names?.[0];
  if (!name) return 'Unnamed';
  if (name.text) return name.text;
  return [...(name.given ?? []), name.family].filter(Boolean).join(' ') || 'Unnamed';
}

/** "Dr. Maya Chen": the name with its prefix, for a care provider. */
export function practitionerName(practitioner: Practitioner): string {
  const name = practitioner.name?.[0];
  const prefix = name?.prefix?.join(' ');
  const plain = displayName(practitioner.name);
  return prefix && !plain.startsWith(prefix) ? `${prefix} ${plain}` : plain;
}

/** `Practitioner/abc` → `abc` when the reference is of `type`. */
export function idOf(reference: Reference | undefined, type: string): string | undefined {
  const ref = reference?.reference;
  if (!ref) return undefined;
  const [refType, id] = ref.split('/').slice(-2);
  return refType === type ? id : undefined;
}
