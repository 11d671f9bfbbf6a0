import { PARAM } from '../inquiries/listParams';

/** Where a template's numbers lead: its page, and the inquiry list filtered to the inquiries counted. */

export function templatePath(templateId: string): string {
  return `/templates/${templateId}`;
}

export function outdatedListLink(templateId: string): string {
  return `/inquiries?${PARAM.template}=${templateId}&${PARAM.view}=outdated`;
}

export function expiringListLink(templateId: string): string {
  return `/inquiries?${PARAM.template}=${templateId}&${PARAM.view}=expiring_24h`;
}

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });

/** "29%" of open inquiries on outdated versions; "0%" with none open. Below 1% but not zero reads "<1%". */
export function outdatedShareText(openOnOutdated: number, open: number): string {
  if (open === 0 || openOnOutdated === 0) return percent.format(0);
  const share = openOnOutdated / open;
  return share < 0.01 ? '<1%' : percent.format(share);
}
