import {
  checkSecretsFolderApart as checkApart,
  checkSaveName as checkSaveNameOf,
  prepareSecretsFolder as prepare,
  resolveSecretsFolder as resolveFolder,
  type SaveNameProblem,
  type SecretsFolderNames,
} from '@aws-mcp/executor';

/** The executor's secrets folder in the server's words: its settings and the tool's argument. */
const names: SecretsFolderNames = { folderSetting: 'AWS_MCP_SECRETS_DIR', workdirSetting: 'AWS_MCP_WORKDIR' };

export { defaultSaveName, type SaveNameProblem } from '@aws-mcp/executor';

/** AWS_MCP_SECRETS_DIR, else the user's data folder (`resolveSecretsFolder`). */
export function resolveSecretsFolder(env: NodeJS.ProcessEnv): string {
  return resolveFolder({ chosen: env.AWS_MCP_SECRETS_DIR, env });
}

/** Throws ExecutionError `SECRETS_DIR_NEAR_WORKDIR`, naming AWS_MCP_SECRETS_DIR and AWS_MCP_WORKDIR. */
export function checkSecretsFolderApart(where: { workdir: string; folder: string }): void {
  checkApart({ ...where, names });
}

/** Throws ExecutionError `SECRETS_DIR_UNUSABLE`, naming AWS_MCP_SECRETS_DIR. */
export function prepareSecretsFolder(folder: string): void {
  prepare(folder, { names });
}

/** A `saveOutputTo` name's problem, or undefined when it can be used. */
export function checkSaveName(
  name: string,
  isHidden: (char: string) => boolean,
): SaveNameProblem | undefined {
  return checkSaveNameOf(name, { isHidden, optionName: '`saveOutputTo`' });
}
