import { PREFILL_LIMITS } from './http.js';
import type { Denial, FlowInquiry } from './service.js';

/**
 * The hosted flow's HTML: plain server-rendered pages with one heading each, labelled data and real buttons.
 * No inline script or style (the pages' CSP forbids both); in widget mode one static module script talks to
 * the embedding page. Every dynamic value goes through `escapeHtml`.
 */
export const ASSET_PATH = '/verify/assets';

/** Where the page sits: the full-page hosted flow, or inside the `persona` SDK's iframe. */
export interface WidgetContext {
  iframeOrigin: string;
  containerId: string | null;
  templateId: string | null;
}

export interface PageContext {
  widget: WidgetContext | null;
  inquiryId: string | null;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const FIELD_LABELS: Record<string, string> = {
  'name-first': 'First name',
  'name-middle': 'Middle name',
  'name-last': 'Last name',
  'email-address': 'Email',
  'phone-number': 'Phone',
  birthdate: 'Date of birth',
  'address-street-1': 'Street',
  'address-street-2': 'Street (line 2)',
  'address-city': 'City',
  'address-subdivision': 'State or region',
  'address-postal-code': 'Postal code',
  'address-country-code': 'Country',
};

/** Persona stores fields flat (`"name-first": "Ada"`) or typed (`{ type, value }`): the text either way. */
function fieldText(value: unknown): string | null {
  const raw = typeof value === 'object' && value !== null && 'value' in value ? value.value : value;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return null;
}

const FIELD_ORDER = Object.keys(FIELD_LABELS);
const rank = (name: string) => (FIELD_ORDER.includes(name) ? FIELD_ORDER.indexOf(name) : FIELD_ORDER.length);

/** Known fields in a reading order (names, contact, birthdate, address), then any others as stored. */
export function displayFields(fields: Record<string, unknown>): { name: string; label: string; value: string }[] {
  return Object.entries(fields)
    .flatMap(([name, value]) => {
      const text = fieldText(value);
      return text === null || text === '' ? [] : [{ name, label: FIELD_LABELS[name] ?? name.replace(/-/g, ' '), value: text }];
    })
    .sort((a, b) => rank(a.name) - rank(b.name));
}

/** Fields in the shape the SDK's onComplete hands the host app: `{ name: { type, value } }`. */
export function completedFields(fields: Record<string, unknown>): Record<string, { type: 'string'; value: string }> {
  return Object.fromEntries(displayFields(fields).map((f) => [f.name, { type: 'string' as const, value: f.value }]));
}

function layout(title: string, context: PageContext, body: string, data: Record<string, string> = {}): string {
  const attributes = context.widget
    ? {
        'data-mode': 'widget',
        'data-iframe-origin': context.widget.iframeOrigin,
        'data-container-id': context.widget.containerId ?? '',
        'data-template-id': context.widget.templateId ?? '',
        'data-inquiry-id': context.inquiryId ?? '',
        ...data,
      }
    : { 'data-mode': 'hosted' };
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
  const script = context.widget ? `\n<script type="module" src="${ASSET_PATH}/flow.mjs"></script>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)} · Identity verification</title>
<link rel="stylesheet" href="${ASSET_PATH}/flow.css">${script}
</head>
<body>
<main id="flow" class="flow"${attrs}>
<p class="brand">Identity verification</p>
${body}
</main>
</body>
</html>
`;
}

/** The hidden inputs every step's form carries. The session token only in widget mode (there is no cookie there). */
export interface StepForm {
  inquiryId: string;
  formToken: string;
  sessionToken: string | null;
}

function stepForm(context: PageContext, step: 'confirm' | 'submit', form: StepForm, button: string): string {
  const base = context.widget ? '/widget' : '/verify';
  const hidden: [string, string][] = [
    ['inquiry-id', form.inquiryId],
    ['form-token', form.formToken],
  ];
  if (context.widget) {
    if (form.sessionToken) hidden.push(['session-token', form.sessionToken]);
    hidden.push(['iframe-origin', context.widget.iframeOrigin]);
    if (context.widget.containerId) hidden.push(['container-id', context.widget.containerId]);
    if (context.widget.templateId) hidden.push(['inquiry-template-id', context.widget.templateId]);
  }
  const inputs = hidden.map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`).join('\n');
  return `<form method="post" action="${base}/${step}" class="step-form">
${inputs}
<div class="actions">
<button type="submit" class="primary">${escapeHtml(button)}</button>${exitButton(context)}
</div>
</form>`;
}

function exitButton(context: PageContext): string {
  return context.widget ? '\n<button type="button" class="secondary" data-action="exit">Exit</button>' : '';
}

/** Shown above details masked because the link came without a one-time code or a session (docs/hosted-flow.md). */
const MASKED_NOTE =
  'For your security, the details on file are partly hidden. If any of them is not yours or is wrong, do not continue: ask the company that sent you this link to correct it.';

export function confirmPage(context: PageContext, inquiry: FlowInquiry, form: StepForm, event: 'start' | 'load'): string {
  const fields = displayFields(inquiry.fields);
  const list =
    fields.length > 0
      ? `<dl class="fields">\n${fields.map((f) => `<div><dt>${escapeHtml(f.label)}</dt><dd>${escapeHtml(f.value)}</dd></div>`).join('\n')}\n</dl>`
      : '<p>We have no details on file for you yet: there is nothing to check.</p>';
  const body = `<h1 tabindex="-1">Confirm your details</h1>
<p class="step">Step 1 of 2</p>
<p>Check that these details are yours and correct.</p>${inquiry.masked && fields.length > 0 ? `\n<p>${MASKED_NOTE}</p>` : ''}
${list}
${stepForm(context, 'confirm', form, 'Continue')}`;
  return layout('Confirm your details', context, body, { 'data-step': 'confirm', 'data-event': event });
}

export function submitPage(context: PageContext, form: StepForm): string {
  const body = `<h1 tabindex="-1">Submit your verification</h1>
<p class="step">Step 2 of 2</p>
<p>When you submit, your details are sent for review. You cannot change them afterwards.</p>
${stepForm(context, 'submit', form, 'Submit')}`;
  return layout('Submit your verification', context, body, { 'data-step': 'submit', 'data-event': 'page' });
}

export function thankYouPage(context: PageContext, inquiry: FlowInquiry): string {
  const body = `<h1 tabindex="-1">Thank you</h1>
<p role="status">Your verification has been submitted. ${context.widget ? 'This window will close.' : 'You can close this window.'}</p>`;
  return layout('Thank you', context, body, {
    'data-step': 'completed',
    'data-event': 'complete',
    'data-status': 'completed',
    'data-fields': JSON.stringify(completedFields(inquiry.fields)),
  });
}

/** Pages that explain why the flow cannot go on, with the HTTP status each answers with. */
export type Notice = Denial | 'bad_request' | 'not_embedded' | 'server_error' | 'busy' | 'rate_limited' | 'prefill_refused';

const NOTICES: Record<Notice, { status: number; title: string; text: string }> = {
  not_found: { status: 404, title: 'We could not find this verification', text: 'The link may be mistyped or no longer exist. Ask the company that sent it to you for a new link.' },
  template_not_found: { status: 404, title: 'This verification link is not valid', text: 'Ask the company that sent it to you for a new link.' },
  session_expired: {
    status: 403,
    title: 'This session has expired — ask for a new link',
    text: 'A verification in progress can only be continued in the browser that started it, or with a new link. Ask the company that sent you here for a new link.',
  },
  inquiry_expired: { status: 410, title: 'This verification link has expired', text: 'Ask the company that sent it to you for a new link.' },
  link_expired: { status: 410, title: 'This verification link has expired', text: 'Ask the company that sent it to you for a new link.' },
  link_revoked: { status: 410, title: 'This link has been revoked — ask for a new one', text: 'The company that sent it has withdrawn it. Ask them for a new link.' },
  link_used: {
    status: 410,
    title: 'This link has already been used — ask for a new one',
    text: 'For your security, a one-time link opens only once (and again for a few minutes after). Ask the company that sent it for a new link.',
  },
  already_submitted: { status: 200, title: 'Already submitted', text: 'This verification has already been submitted. There is nothing more to do.' },
  unavailable: { status: 409, title: 'This verification cannot be continued', text: 'Ask the company that sent you here for help.' },
  session_limit: { status: 409, title: 'This verification is open in too many places', text: 'Close it elsewhere, or ask the company that sent you here for a new link.' },
  form_invalid: { status: 403, title: 'This page has expired', text: 'Go back to your link and open it again to continue.' },
  bad_request: { status: 400, title: 'This link is incomplete', text: 'It does not say which verification to open. Check that you copied the whole link.' },
  not_embedded: { status: 400, title: 'This page opens inside an app', text: 'Open the verification from the app or website that offered it to you.' },
  server_error: { status: 500, title: 'Something went wrong', text: 'Nothing was lost. Try again in a moment.' },
  busy: { status: 503, title: 'We could not reach this verification just now', text: 'Nothing was lost. Reload the page in a moment to continue.' },
  credential_required: {
    status: 403,
    title: 'This link is incomplete — ask for a new one',
    text: 'For your security, this verification opens only with the complete link the company sent you. Ask them for a new link.',
  },
  rate_limited: {
    status: 429,
    title: 'Too many requests from your network — try again in a minute',
    text: 'This page limits how often it can be opened from one network. Wait a minute, then open your link again.',
  },
  prefill_refused: {
    status: 400,
    title: 'This link’s prefilled details cannot be used',
    text: `A verification link may prefill at most ${PREFILL_LIMITS.fields} details, each up to ${PREFILL_LIMITS.valueChars} characters of plain text, ${PREFILL_LIMITS.totalChars / 1024} KB in all. Ask the company that sent it to you for a corrected link.`,
  },
};

export function noticeStatus(notice: Notice): number {
  return NOTICES[notice].status;
}

export function noticePage(context: PageContext, notice: Notice, event: 'load' | 'page' = 'load'): string {
  const { title, text } = NOTICES[notice];
  const body = `<h1 tabindex="-1">${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>${context.widget ? `\n<div class="actions">${exitButton(context)}\n</div>` : ''}`;
  return layout(title, context, body, { 'data-step': 'notice', 'data-notice': notice, 'data-event': event });
}
