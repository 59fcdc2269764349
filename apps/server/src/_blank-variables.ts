/**
 * AWS variables a client config sets to an empty string when the person leaves a field blank (a `.mcpb` manifest's
 * `${user_config.profile}`, a VS Code input, a Windsurf form). The CLI takes a set variable as it is, even empty:
 * `AWS_PROFILE=` makes every command fail with "The config profile () could not be found". A blank field means
 * "not chosen", so the server removes these before anything reads them, and says so at start-up.
 */
const blankMeansUnset = [
  { variable: 'AWS_PROFILE', why: 'the CLI would look for a profile named ""' },
  {
    variable: 'AWS_DEFAULT_PROFILE',
    why: 'the CLI would look for a profile named "" (it wins over AWS_PROFILE)',
  },
  { variable: 'AWS_REGION', why: 'an empty region would hide the profile’s own region' },
  { variable: 'AWS_DEFAULT_REGION', why: 'an empty region would hide the profile’s own region' },
] as const satisfies readonly { variable: string; why: string }[];

/** The environment without blank AWS choice variables, and a start-up note per variable removed. */
export function dropBlankAwsChoices(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; notes: string[] } {
  const kept: NodeJS.ProcessEnv = { ...env };
  const notes: string[] = [];
  for (const { variable, why } of blankMeansUnset) {
    const value = kept[variable];
    if (value === undefined || value.trim() !== '') continue;
    delete kept[variable];
    notes.push(
      `note: ${variable} is set but empty (a blank field in the client's config?); treated as unset, since ${why}.`,
    );
  }
  return { env: kept, notes };
}
