import type {
  AwsProfileSummary,
  AwsServicesSection,
  AwsSetupWarning,
  AwsSsoSession,
} from './read-aws-setup.js';

/**
 * Warns (UNKNOWN_REFERENCE, INVALID_ROLE_SOURCE) about profiles the CLI will fail to use: a role without exactly one
 * source, and a source_profile, sso_session or services name no section defines.
 */
export function checkReferences(options: {
  profiles: AwsProfileSummary[];
  ssoSessions: AwsSsoSession[];
  services: AwsServicesSection[];
  configPath: string;
  warnings: AwsSetupWarning[];
}): void {
  const profileNames = new Set(options.profiles.map((profile) => profile.name));
  const sessionNames = new Set(options.ssoSessions.map((session) => session.name));
  const servicesNames = new Set(options.services.map((section) => section.name));
  const warn = (message: string) =>
    options.warnings.push({ code: 'UNKNOWN_REFERENCE', message, path: options.configPath });
  for (const profile of options.profiles) {
    const credentials = profile.credentials;
    if (credentials.kind === 'assume-role' && !credentials.sourceProfile && !credentials.credentialSource) {
      options.warnings.push({
        code: 'INVALID_ROLE_SOURCE',
        message: `Profile ${profile.name} has role_arn but neither source_profile nor credential_source; the AWS CLI fails with "Partial credentials found in assume-role". Add source_profile = PROFILE or credential_source = Environment | Ec2InstanceMetadata | EcsContainer.`,
        path: options.configPath,
      });
    }
    if (credentials.kind === 'assume-role' && credentials.sourceProfile && credentials.credentialSource) {
      options.warnings.push({
        code: 'INVALID_ROLE_SOURCE',
        message: `Profile ${profile.name} has both source_profile and credential_source; the AWS CLI refuses that. Keep one.`,
        path: options.configPath,
      });
    }
    if (
      credentials.kind === 'assume-role' &&
      credentials.sourceProfile &&
      !profileNames.has(credentials.sourceProfile)
    ) {
      warn(`Profile ${profile.name} uses source_profile ${credentials.sourceProfile}, which is not defined.`);
    }
    if (credentials.kind === 'sso' && credentials.ssoSession && !sessionNames.has(credentials.ssoSession)) {
      warn(
        `Profile ${profile.name} uses sso_session ${credentials.ssoSession}, which has no [sso-session] section.`,
      );
    }
    if (profile.services && !servicesNames.has(profile.services)) {
      warn(`Profile ${profile.name} uses services ${profile.services}, which has no [services] section.`);
    }
  }
}
