import { CsrfField, Layout, Problem } from './layout.tsx';

export interface PatientChoice {
  readonly id: string;
  readonly name: string;
  readonly birthDate?: string;
}

/** For a clinician's standalone launch asking for a patient: search, then choose (`patient` = a Patient id). */
export function PatientPickerPage(props: {
  action: string;
  searchAction: string;
  csrf: string;
  appName: string;
  query: string;
  patients: readonly PatientChoice[];
  problem?: string;
}) {
  return (
    <Layout title="Choose a patient">
      <h1>Choose the patient for {props.appName}</h1>
      <form method="get" action={props.searchAction} role="search">
        <label for="q">Search by name</label>
        <input id="q" name="q" type="search" value={props.query} />
        <button type="submit" class="secondary">
          Search
        </button>
      </form>
      <Problem message={props.problem} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        <fieldset>
          <legend>Patients</legend>
          {props.patients.length === 0 ? <p class="muted">No patient matches.</p> : null}
          {props.patients.map((p, i) => (
            <label class="choice" for={`patient-${i}`}>
              <input id={`patient-${i}`} type="radio" name="patient" value={p.id} required />
              <span>
                {p.name}
                {p.birthDate ? <small>born {p.birthDate}</small> : null}
              </span>
            </label>
          ))}
        </fieldset>
        <button type="submit">Continue</button>
      </form>
    </Layout>
  );
}
