// The hosted flow inside the official `persona` SDK's iframe: tells the embedding page what happens, with
// window.parent.postMessage({ name, containerId, metadata }, iframeOrigin) — the SDK's protocol — and answers
// the page's { action: 'open' | 'exit' | 'destroy' } messages. Served as a static file: the pages allow no
// inline script. Only the validated iframe-origin ever receives a message.
const root = document.getElementById('flow');
const data = root ? root.dataset : {};
const iframeOrigin = data.iframeOrigin || null;
const containerId = data.containerId || undefined;
const templateId = data.templateId || undefined;
const inquiryId = data.inquiryId || undefined;
let closed = false;

function send(name, metadata) {
  if (!iframeOrigin || window.parent === window) return;
  const message = { name, containerId, metadata };
  // An SDK client created with a templateId ignores messages that do not carry it.
  if (templateId) message.templateId = templateId;
  window.parent.postMessage(message, iframeOrigin);
}

function sessionToken() {
  const input = document.querySelector('input[name="session-token"]');
  return input instanceof HTMLInputElement && input.value ? input.value : undefined;
}

function fields() {
  try {
    return JSON.parse(data.fields || '{}');
  } catch {
    return {};
  }
}

/** Leaving mid-flow: the host app gets the inquiry id and session token, to save and resume later. */
function exit() {
  if (closed) return;
  closed = true;
  send('exit', { inquiryId, sessionToken: sessionToken() });
}

function disableAll() {
  for (const control of document.querySelectorAll('button, input')) control.disabled = true;
}

const heading = document.querySelector('h1');

switch (data.event) {
  case 'start':
  case 'load':
    send('load', {});
    send('ready', {
      preferredDimensions: { width: 400, height: 650, minimumWidth: '320px', maximumWidth: '400px', minimumHeight: '480px', maximumHeight: '650px' },
    });
    if (data.event === 'start') send('start', { inquiryId });
    break;
  case 'page':
    send('page-change', { name: data.step, inquiryId });
    if (heading) heading.focus();
    break;
  case 'complete':
    closed = true;
    send('complete', { inquiryId, status: data.status || 'completed', fields: fields() });
    break;
  default:
    break;
}

for (const button of document.querySelectorAll('[data-action="exit"]')) {
  button.addEventListener('click', exit);
}

// One submission per page: a double click must not post twice.
for (const form of document.querySelectorAll('form')) {
  form.addEventListener('submit', (event) => {
    if (closed || form.dataset.submitted === '1') {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = '1';
  });
}

window.addEventListener('message', (event) => {
  if (event.source !== window.parent || event.origin !== iframeOrigin) return;
  const action = event.data && typeof event.data === 'object' ? event.data.action : undefined;
  switch (action) {
    case 'open':
      if (heading) heading.focus();
      break;
    case 'exit':
      // The page called client.cancel(): reply as the flow's own Exit button does.
      exit();
      break;
    case 'destroy':
      closed = true;
      disableAll();
      break;
    default:
      break;
  }
});
