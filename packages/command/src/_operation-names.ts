/** Operation names that botocore's camel-to-kebab rule does not produce, copied from botocore's `_xform_cache`. */
export const specialOperationNames: Record<string, string> = {
  CreateCachediSCSIVolume: 'create-cached-iscsi-volume',
  DescribeCachediSCSIVolumes: 'describe-cached-iscsi-volumes',
  DescribeStorediSCSIVolumes: 'describe-stored-iscsi-volumes',
  CreateStorediSCSIVolume: 'create-stored-iscsi-volume',
  ListHITsForQualificationType: 'list-hits-for-qualification-type',
  ExecutePartiQLStatement: 'execute-partiql-statement',
  ExecutePartiQLTransaction: 'execute-partiql-transaction',
  ExecutePartiQLBatch: 'execute-partiql-batch',
  AssociateWhatsAppBusinessAccount: 'associate-whatsapp-business-account',
  CreateWhatsAppMessageTemplate: 'create-whatsapp-message-template',
  CreateWhatsAppMessageTemplateFromLibrary: 'create-whatsapp-message-template-from-library',
  CreateWhatsAppMessageTemplateMedia: 'create-whatsapp-message-template-media',
  DeleteWhatsAppMessageMedia: 'delete-whatsapp-message-media',
  DeleteWhatsAppMessageTemplate: 'delete-whatsapp-message-template',
  DisassociateWhatsAppBusinessAccount: 'disassociate-whatsapp-business-account',
  GetLinkedWhatsAppBusinessAccount: 'get-linked-whatsapp-business-account',
  GetLinkedWhatsAppBusinessAccountPhoneNumber: 'get-linked-whatsapp-business-account-phone-number',
  GetOTelEnrichment: 'get-otel-enrichment',
  GetWhatsAppMessageMedia: 'get-whatsapp-message-media',
  GetWhatsAppMessageTemplate: 'get-whatsapp-message-template',
  ListLinkedWhatsAppBusinessAccounts: 'list-linked-whatsapp-business-accounts',
  ListWhatsAppMessageTemplates: 'list-whatsapp-message-templates',
  ListWhatsAppTemplateLibrary: 'list-whatsapp-template-library',
  PostWhatsAppMessageMedia: 'post-whatsapp-message-media',
  PutWhatsAppBusinessAccountEventDestinations: 'put-whatsapp-business-account-event-destinations',
  SendWhatsAppMessage: 'send-whatsapp-message',
  StartOTelEnrichment: 'start-otel-enrichment',
  StopOTelEnrichment: 'stop-otel-enrichment',
  UpdateWhatsAppMessageTemplate: 'update-whatsapp-message-template',
};

/**
 * The AWS CLI name of an API name, as botocore's `xform_name(name, '-')` computes it: `ListFunctions` →
 * `list-functions`, `GetBucketACLs` → `get-bucket-acls`.
 */
export function toCliName(name: string): string {
  if (name.includes('-')) return name;
  const special = specialOperationNames[name];
  if (special !== undefined) return special;
  let base = name;
  const plural = /[A-Z]{2,}s$/.exec(base);
  if (plural !== null) base = `${base.slice(0, -plural[0].length)}-${plural[0].toLowerCase()}`;
  return base
    .replace(/(.)([A-Z][a-z]+)/g, '$1-$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}
