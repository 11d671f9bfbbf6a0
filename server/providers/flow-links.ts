/**
 * The two links a provider builds on its hosted flow's URL (the local `/verify`, or Persona's): an existing inquiry
 * with a session token appended (the seed's last resort), and a new inquiry on a template for a reference id.
 */
export function tokenLinkUrl(hostedFlowUrl: string, inquiryId: string, sessionToken: string): string {
  const url = new URL(hostedFlowUrl);
  url.searchParams.set('inquiry-id', inquiryId);
  url.searchParams.set('session-token', sessionToken);
  return url.toString();
}

export function staticLinkUrl(hostedFlowUrl: string, templateId: string, referenceId: string): string {
  const url = new URL(hostedFlowUrl);
  url.searchParams.set('inquiry-template-id', templateId);
  url.searchParams.set('reference-id', referenceId);
  return url.toString();
}
