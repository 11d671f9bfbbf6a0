import { CITIES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, type Catalog } from './catalog.js';
import { Draws, ID_STREAMS, SqlRandom, logNormal, seconds, sqlNumbers, sqlTexts, sqlTime } from './sql-random.js';

/**
 * The inquiries, their sessions and timelines, generated set-based: one `create temp table … as select` over
 * generate_series derives every column of every inquiry from hashes of its row number, then three
 * `insert … select` statements copy it into inquiries, inquiry_sessions and inquiry_events.
 *
 * Each inquiry plays one role:
 * - history (most): created over the last six months (busier lately); its fate is simulated forward from
 *   created_at — time to start (or never), time to finish (or abandon), checks failed, decision — and its status
 *   is whatever those timestamps make it at `now`, exactly as the local engine and the expiry sweep would have.
 * - open: built backwards from an expiry in the near future (a share within the hour), so that every open view
 *   has something in it even in the 5,000-inquiry demo; then simulated forward like the others.
 * - resumed: started, expired, then resumed once to three times (by the customer's backend or a B2B2C partner):
 *   pending again with several sessions, some still live.
 * - pred / succ: an expired inquiry on an old version and its successor, created on the latest version when
 *   the end user came back (predecessor_id; the successor copies reference id, account and fields).
 */

const OPEN_SHARE = 0.08;
const RESUMED_SHARE = 0.006;
const RECREATED_SHARE = 0.002;
/** Fewer users than inquiries: some users have several (just-in-time links reopened, recreations). */
const USERS_PER_INQUIRY = 0.8;
const CUSTOMER_SHARE = 0.15;
const HISTORY_DAYS = 180;
const DAY_S = 86_400;

export interface WorldShape {
  seed: number;
  now: Date;
  inquiries: number;
  catalog: Catalog;
  /** Database ids of each template's policy revisions, in the catalog's order. */
  revisionIds: number[][];
}

for (const word of [...FIRST_NAMES, ...LAST_NAMES, ...EMAIL_DOMAINS, ...CITIES.flat().map(String)]) {
  if (JSON.stringify(word) !== `"${word}"`) throw new Error(`seed word needs JSON escaping: ${word}`);
}

/**
 * A jsonb object of strings, concatenated as JSON text: faster than jsonb_build_object (docs/performance.md, "Why
 * the list is shaped this way"). Only for values that need no escaping (the word lists above, ids, digits, dates).
 */
function jsonObject(pairs: [key: string, value: string][]): string {
  const body = pairs.map(([key, value], i) => `'${i === 0 ? '' : ','}"${key}":"' || ${value} || '"'`).join(' || ');
  return `('{' || ${body} || '}')::jsonb`;
}

/**
 * Keeps a layer of the staging query a separate subquery. Without it the planner would inline each layer into
 * the next, copying an expression into every place that uses its result (the CASE chains multiply). A volatile
 * column stops that inlining, as OFFSET 0 would, but unlike OFFSET 0 it lets the layers run in parallel workers.
 */
const FENCE = 'clock_timestamp() as fence';

export function recreatedPairs(inquiries: number): number {
  return inquiries >= 200 ? Math.max(2, Math.round(inquiries * RECREATED_SHARE)) : 0;
}

/** Per-template and per-revision constants as SQL arrays, and time lookups as CASE expressions. */
function lookups(shape: WorldShape) {
  const { catalog, revisionIds } = shape;
  // Times are seconds relative to now (negative: in the past), so a moment `ageSeconds` ago is -ageSeconds.
  const at = (ageSeconds: number) => String(-ageSeconds);
  const templates = catalog.templates;
  const perTemplate = (f: (t: (typeof templates)[number]) => number) => sqlNumbers(templates.map(f));

  const revisions = templates.flatMap((t, ti) =>
    t.policies.map((p, pi) => ({
      id: revisionIds[ti]?.[pi] ?? 0,
      a: p.afterCreateMinutes * 60,
      seff: (p.afterStartMinutes ?? p.afterCreateMinutes) * 60,
      r: p.afterResumeMinutes * 60,
    })),
  );
  const currentRevisionIndex: number[] = []; // 1-based, into the revision arrays
  let offset = 0;
  for (const t of templates) {
    offset += t.policies.length;
    currentRevisionIndex.push(offset);
  }
  const current = (f: (r: (typeof revisions)[number]) => number) =>
    sqlNumbers(currentRevisionIndex.map((i) => f(revisions[i - 1] ?? { id: 0, a: 0, seff: 0, r: 0 })));

  const versionStart: number[] = [];
  let versions = 0;
  for (const t of templates) {
    versionStart.push(versions);
    versions += t.versions.length;
  }

  /** The version number in force at time `t` (the latest published at or before it). */
  const versionAt = (t: string) =>
    `(case tk ${templates
      .map((template, ti) => {
        const newestFirst = [...template.versions].reverse().slice(0, -1);
        const branches = newestFirst.map((v) => `when ${t} >= ${at(v.ageSeconds)} then ${v.number}`).join(' ');
        return `when ${ti} then (case ${branches || 'when false then 1'} else 1 end)`;
      })
      .join(' ')} end)`;

  /** The 1-based index of the policy revision in force at time `t` (the newest created at or before it). */
  const revisionAt = (t: string) => {
    let base = 0;
    const parts = templates.map((template, ti) => {
      const newestFirst = template.policies.map((p, pi) => ({ p, index: base + pi + 1 })).reverse();
      base += template.policies.length;
      const first = newestFirst.at(-1)?.index ?? 1;
      const branches = newestFirst
        .slice(0, -1)
        .map(({ p, index }) => `when ${t} >= ${at(p.ageSeconds)} then ${index}`)
        .join(' ');
      return `when ${ti} then (case ${branches || 'when false then 1'} else ${first} end)`;
    });
    return `(case tk ${parts.join(' ')} end)`;
  };

  let cumulative = 0;
  const pickTemplate = (u: string) =>
    `(case ${templates
      .slice(0, -1)
      .map((t, ti) => {
        cumulative += t.weight;
        return `when ${u} < ${cumulative} then ${ti}`;
      })
      .join(' ')} else ${templates.length - 1} end)`;

  return {
    versionAt,
    revisionAt,
    pickTemplate,
    templateIds: sqlTexts(templates.map((t) => t.id)),
    versionIds: sqlTexts(templates.flatMap((t) => t.versions.map((v) => v.id))),
    versionStart: sqlNumbers(versionStart),
    revisionId: sqlNumbers(revisions.map((r) => r.id)),
    revisionA: sqlNumbers(revisions.map((r) => r.a)),
    revisionSeff: sqlNumbers(revisions.map((r) => r.seff)),
    currentRevisionId: current((r) => r.id),
    currentA: current((r) => r.a),
    currentSeff: current((r) => r.seff),
    currentR: current((r) => r.r),
    maxPath: perTemplate((t) => Math.max(...t.policies.map((p) => p.afterCreateMinutes + (p.afterStartMinutes ?? p.afterCreateMinutes))) * 60),
    firstVersionAge: perTemplate((t) => t.versions[0]?.ageSeconds ?? 0),
    latestVersionAge: perTemplate((t) => t.versions.at(-1)?.ageSeconds ?? 0),
    justInTimeShare: perTemplate((t) => t.justInTimeShare),
    completeMedian: perTemplate((t) => t.completeMedianSeconds),
    completeSigma: perTemplate((t) => t.completeSigma),
    autoApproveShare: perTemplate((t) => t.autoApproveShare),
    customerIds: sqlTexts(catalog.customers.map((c) => c.id)),
    customerAccounts: sqlTexts(catalog.customers.map((c) => c.accountId)),
  };
}

/** Uniform draws for the session and event statements, which read the staging table's g-hashes (stream 40..). */
export function sessionDraws(rnd: SqlRandom) {
  const draws = new Draws(rnd, 'hs', 'g', 40);
  const resume = ([1, 2, 3] as const).map(() => ({ used: draws.u16(), usedAfter: draws.u16(), revoke: draws.u16(), revokedAfter: draws.u16() }));
  return { draws, resume };
}

/**
 * `create temp table seed_inquiries`: every column of every inquiry, plus what its sessions and events need.
 * Row numbers come from generate_series, or from `numbers` (a table of g = 1..n) so the layers can run in parallel
 * workers: a function scan cannot be split between workers, a table scan can.
 */
export function stagingSql(shape: WorldShape, numbers: string | null = null): string {
  const n = shape.inquiries;
  const pairs = recreatedPairs(n);
  const successorsFrom = n - pairs; // rows above this are successors of rows 1..pairs
  const users = Math.max(1, Math.ceil(n * USERS_PER_INQUIRY));
  const rnd = new SqlRandom(shape.seed);
  const L = lookups(shape);
  const T = (array: string) => `(${array})[tk + 1]`;

  // Draws keyed by the row (g), by the identity a successor shares with its predecessor (k), and by the user (m).
  const G = new Draws(rnd, 'hg', 'g', 0);
  const K = new Draws(rnd, 'hk', 'k', 20);
  const M = new Draws(rnd, 'hm', 'm', 30);
  const sessions = sessionDraws(rnd);

  const d = {
    role: G.u16(),
    template: K.u32(),
    user: K.u32(),
    kind: K.u16(),
    recreate: K.u32(),
    neverStarts: G.u16(),
    startA: G.u32(),
    startB: G.u32(),
    finishA: G.u32(),
    finishB: G.u32(),
    abandons: G.u16(),
    openStarted: G.u16(),
    soon: G.u16(),
    rho: G.u32(),
    lastResume: G.u32(),
    gap1: G.u32(),
    gap2: G.u32(),
    expiryGapA: G.u32(),
    expiryGapB: G.u32(),
    ageShape: G.u16(),
    age: G.u32(),
    predAge: G.u32(),
    fails: G.u16(),
    path: G.u16(),
    autoDelay: G.u16(),
    reviewA: G.u32(),
    reviewB: G.u32(),
    approveAfterReview: G.u16(),
    reviewStalls: G.u16(),
    openSession: G.u16(),
    secondDevice: G.u16(),
    secondDeviceAt: G.u32(),
    emailPattern: M.u16(),
    domain: M.u16(),
    city: M.u16(),
    birth: M.u16(),
    customer: M.u16(),
    customerIndex: M.u16(),
    phone: M.u32(),
  };

  const l0 = `
    select g, k, fixed_role, ${FENCE}, ${G.columns()}, ${K.columns()}, ${sessions.draws.columns()}
    from (
      select g, case when g > ${successorsFrom} then g - ${successorsFrom} else g end as k,
        case when g <= ${pairs} then 'pred' when g > ${successorsFrom} then 'succ' end as fixed_role
      from ${numbers ?? `generate_series(1, ${n}) as g`}
    ) s`;

  // Role, template, user; then the template's constants and the raw draws every role picks from.
  const l1 = `
    select l0.*, ${FENCE},
      case when fixed_role is not null then fixed_role when ${d.role} < ${OPEN_SHARE} then 'open'
        when ${d.role} < ${OPEN_SHARE + RESUMED_SHARE} then 'resumed' else 'history' end as role,
      ${L.pickTemplate(d.template)} as tk,
      floor(${d.user} * ${users})::int8 as m
    from (${l0}) l0`;

  const l2 = `
    select l1.*, ${FENCE}, ${M.columns()}, ${d.kind} < ${T(L.justInTimeShare)} as jit,
      ${T(L.currentA)} as a_s, ${T(L.currentSeff)} as seff_s, ${T(L.currentR)} as r_s,
      ${T(L.firstVersionAge)} as v1_age, ${T(L.latestVersionAge)} as latest_age, ${T(L.maxPath)} as max_path,
      ${logNormal(d.finishA, d.finishB, T(L.completeMedian), T(L.completeSigma), 20, 30 * DAY_S)} as ttc_raw,
      ${d.abandons} < case when tk = 1 then 0.2 else 0.14 end as abandons,
      ${d.openStarted} < 0.55 as open_started,
      1 + floor(${d.openStarted} * 3)::int as resumes,
      round(${d.lastResume} * 0.9 * ${T(L.currentR)}) as last_resume_age,
      1200 + round(${d.gap1} * 1.5 * ${T(L.currentR)}) as gap1,
      1200 + round(${d.gap2} * 1.5 * ${T(L.currentR)}) as gap2,
      600 + ${logNormal(d.expiryGapA, d.expiryGapB, 4 * 3600, 1.2, 0, 3 * DAY_S)} as expiry_gap,
      300 + round(${d.recreate} * (${T(L.latestVersionAge)} - 360)) as recreate_age
    from (${l1}) l1`;

  // Just-in-time users open the link and start at once; dedicated ones start when they get round to it.
  const l3 = `
    select l2.*, ${FENCE},
      case when jit then ${logNormal(d.startA, d.startB, 90, 1.3, 5, 20 * DAY_S)}
        else ${logNormal(d.startA, d.startB, 3 * 3600, 1.8, 20, 20 * DAY_S)} end as tts_raw,
      ${d.neverStarts} < case when jit then 0.08 else 0.22 end as never_starts,
      last_resume_age + case when resumes >= 2 then gap1 else 0 end + case when resumes >= 3 then gap2 else 0 end as first_resume_age,
      case when ${d.soon} < 0.12 then 60 + round(${d.rho} * 3540)
        else 3600 + round(${d.rho} * ((case when open_started then seff_s else a_s end) - 3600)) end as rho
    from (${l2}) l2`;

  // When each inquiry was created, and how its end user will behave (null: never starts / never finishes).
  // When each inquiry was created, and how its end user will behave (null: never starts / never finishes).
  // All times from here on are whole seconds relative to now (`_t`, negative in the past): exact and cheap
  // arithmetic; they become timestamps only when inserted.
  const l4 = `
    select l3.*, ${FENCE},
      -(case role
        when 'history' then round(least(${HISTORY_DAYS * DAY_S}, v1_age - 3600)
          * (case when ${d.ageShape} < 0.5 then ${d.age} else 1 - sqrt(${d.age}) end))
        when 'open' then (case when open_started then seff_s + least(tts_raw, a_s - 60) else a_s end) - rho
        when 'resumed' then first_resume_age + expiry_gap + seff_s + least(tts_raw, a_s - 60)
        when 'pred' then least(latest_age + max_path + 3600 + round(${d.predAge} * ${20 * DAY_S}), v1_age - 3600)
        else recreate_age end) as created_t,
      case role when 'open' then (case when open_started then least(tts_raw, a_s - 60) end)
        when 'resumed' then least(tts_raw, a_s - 60)
        else (case when never_starts then null else tts_raw end) end as tts,
      case when role in ('history', 'succ') and not abandons then ttc_raw end as ttc,
      case when role = 'pred' then -recreate_age end as recreated_t,
      case when role = 'resumed' then -first_resume_age end as res1_t,
      case when role = 'resumed' and resumes >= 2 then -(last_resume_age + case when resumes = 3 then gap1 else 0 end) end as res2_t,
      case when role = 'resumed' and resumes = 3 then -last_resume_age end as res3_t
    from (${l3}) l3`;

  const l5 = `
    select l4.*, ${FENCE}, ${L.versionAt('created_t')} as version_number, ${L.revisionAt('created_t')} as rev_c
    from (${l4}) l4`;

  // Forward from creation: the first expiry, and the start if it came before that expiry and before now.
  const l6 = `
    select l5.*, ${FENCE}, created_t + (${L.revisionA})[rev_c] as e1_t,
      case when tts < (${L.revisionA})[rev_c] and created_t + tts <= 0 then created_t + tts end as started_t
    from (${l5}) l5`;

  // Starting moves the expiry (policy in force at the start); finishing must come before it.
  const l7 = `
    select l6.*, ${FENCE}, started_t + (${L.revisionSeff})[rev_s] as e2_t,
      case when ttc < (${L.revisionSeff})[rev_s] and started_t + ttc <= 0 then started_t + ttc end as done_t
    from (select l6.*, ${FENCE}, case when started_t is not null then ${L.revisionAt('started_t')} end as rev_s from (${l6}) l6) l6`;

  // Checks failed or passed; then a workflow decides at once, or a reviewer later (needs_review meanwhile).
  const l8 = `
    select l7.*, ${FENCE}, ${d.fails} < 0.07 as fails,
      case when ${d.fails} < 0.07 then (case when ${d.path} < 0.6 then 'auto_decline' end)
        when ${d.path} < ${T(L.autoApproveShare)} then 'auto_approve'
        when ${d.path} < ${T(L.autoApproveShare)} + 0.05 then 'auto_decline'
        when ${d.path} < 0.97 then 'review' end as path,
      2 + round(${d.autoDelay} * 40) as auto_delay,
      -- A reviewer decides within hours or days; some cases sit in the queue (waiting for documents, say).
      case when ${d.reviewStalls} >= 0.2 then ${logNormal(d.reviewA, d.reviewB, 20 * 3600, 1.2, 60, 20 * DAY_S)} end as review_delay,
      case when done_t is null and coalesce(e2_t, e1_t) <= 0 then coalesce(e2_t, e1_t) end as nat_expired_t,
      case when role = 'resumed' then coalesce(res3_t, res2_t, res1_t) end as res_last_t,
      m % ${FIRST_NAMES.length} as first_i, (m / ${FIRST_NAMES.length}) % ${LAST_NAMES.length} as last_i,
      m / ${FIRST_NAMES.length * LAST_NAMES.length} as name_n,
      floor(${d.city} * ${CITIES.length})::int + 1 as city_i
    from (${l7}) l7`;

  const l9 = `
    select l8.*, ${FENCE},
      case when done_t is null or path is null then null
        when path = 'review' then (case when done_t + review_delay <= 0
            then (case when ${d.approveAfterReview} < 0.82 then 'approved' else 'declined' end)
          when done_t + 5 <= 0 then 'needs_review' end)
        when done_t + auto_delay <= 0 then (case when path = 'auto_approve' then 'approved' else 'declined' end)
        end as decision
    from (${l8}) l8`;

  const first = `(${sqlTexts(FIRST_NAMES)})[first_i + 1]`;
  const last = `(${sqlTexts(LAST_NAMES)})[last_i + 1]`;
  const firstLower = `(${sqlTexts(FIRST_NAMES.map((name) => name.toLowerCase()))})[first_i + 1]`;
  const lastLower = `(${sqlTexts(LAST_NAMES.map((name) => name.toLowerCase()))})[last_i + 1]`;
  const local = `(case floor(${d.emailPattern} * 4)::int
      when 0 then ${firstLower} || '.' || ${lastLower} when 1 then ${firstLower} || ${lastLower}
      when 2 then ${firstLower} || '_' || ${lastLower} else ${lastLower} || '.' || ${firstLower} end)
    || (case when name_n > 0 then name_n::text else '' end)`;
  const domain = `(${sqlTexts(EMAIL_DOMAINS)})[floor(${d.domain} * ${EMAIL_DOMAINS.length})::int + 1]`;
  const cityDigits = `(${sqlNumbers(CITIES.map((c) => c[3]))})[city_i]::int`;
  const phone = `(${sqlTexts(CITIES.map((c) => c[2]))})[city_i] || lpad(floor(${d.phone} * power(10, ${cityDigits}))::text, ${cityDigits}, '0')`;
  // Persona's flat key → string fields.
  const fields = jsonObject([
    ['name-first', first],
    ['name-last', last],
    ['email-address', `${local} || '@' || ${domain}`],
    ['birthdate', `to_char(date '1950-01-01' + floor(${d.birth} * 20000)::int, 'YYYY-MM-DD')`],
    ['address-city', `(${sqlTexts(CITIES.map((c) => c[0]))})[city_i]`],
    ['address-country-code', `(${sqlTexts(CITIES.map((c) => c[1]))})[city_i]`],
    ['phone-number', phone],
  ]);
  const isCustomer = `${d.customer} < ${CUSTOMER_SHARE}`;
  const customerIndex = `floor(${d.customerIndex} * ${shape.catalog.customers.length})::int + 1`;

  const final = `
    select ${FENCE}, ${rnd.id('inq', ID_STREAMS.inquiry, 'g')} as id, g, ${sessions.draws.names().join(', ')}, role, tk,
      (${L.templateIds})[tk + 1] as template_id,
      (${L.versionIds})[(${L.versionStart})[tk + 1]::int + version_number] as version_id, version_number,
      (case when role = 'resumed' then ${T(L.currentRevisionId)} when rev_s is not null then (${L.revisionId})[rev_s]
        else (${L.revisionId})[rev_c] end)::int8 as policy_revision_id,
      case when jit then 'just_in_time' else 'dedicated' end as kind,
      ${rnd.id('usr', ID_STREAMS.user, 'm', 20)} as reference_id,
      case when ${isCustomer} then (${L.customerIds})[${customerIndex}] end as customer_id,
      case when ${isCustomer} then (${L.customerAccounts})[${customerIndex}] end as account_id,
      -- A just-in-time inquiry has nothing prefilled; its fields fill in once the user starts.
      case when jit and started_t is null then '{}'::jsonb else ${fields} end as fields,
      case when role = 'resumed' then 'pending'
        when decision is not null then decision
        when done_t is not null then (case when fails then 'failed' else 'completed' end)
        when nat_expired_t is not null then 'expired'
        when started_t is not null then 'pending'
        else 'created' end as status,
      case when role = 'succ' then ${rnd.id('inq', ID_STREAMS.inquiry, 'k')} end as predecessor_id,
      case when role = 'pred' then ${rnd.id('inq', ID_STREAMS.inquiry, `g + ${successorsFrom}`)} end as successor_id,
      created_t, started_t,
      case when not fails then done_t end as completed_t,
      case when fails then done_t end as failed_t,
      case when decision = 'needs_review' then done_t + 5
        when decision is not null and path = 'review' then done_t + review_delay
        when decision is not null then done_t + auto_delay end as decisioned_t,
      case when path = 'review' and decision is not null then done_t + 5 end as review_t,
      decision,
      case when role <> 'resumed' then nat_expired_t end as expired_t,
      nat_expired_t,
      case when role = 'resumed' then res_last_t + r_s else coalesce(e2_t, e1_t) end as expires_t,
      e1_t, e2_t, res1_t, res2_t, res3_t, res_last_t, r_s, recreated_t,
      -- The end user's first session opens just before the start, while the inquiry still has its creation
      -- expiry; a second device sometimes joins later, with the expiry the start gave it.
      started_t - least(tts, 5 + round(${d.openSession} * 175)) as open_session_t,
      case when ${d.secondDevice} < 0.3 then started_t + round(${d.secondDeviceAt} * (least(coalesce(done_t, e2_t), 0) - started_t)) end as dev2_t
    from (${l9}) l9`;

  // updated_t: the last thing that happened to the inquiry.
  return `create temp table seed_inquiries on commit drop as
    select f.*, greatest(created_t, started_t, completed_t, failed_t, decisioned_t, nat_expired_t, res_last_t, recreated_t) as updated_t
    from (${final}) f`;
}

/** `t` (seconds relative to now) as a timestamp. */
function timestamp(now: Date, t: string): string {
  return `(${sqlTime(now)} + ${seconds(t)})`;
}

export function insertInquiriesSql(now: Date): string {
  const ts = (t: string) => timestamp(now, t);
  return `insert into inquiries (id, template_id, version_id, version_number, policy_revision_id, kind,
      reference_id, customer_id, account_id, fields, status, predecessor_id, created_at, started_at, completed_at,
      failed_at, decisioned_at, expired_at, expires_at, updated_at)
    select id, template_id, version_id, version_number, policy_revision_id, kind, reference_id, customer_id, account_id,
      fields, status, predecessor_id, ${ts('created_t')}, ${ts('started_t')}, ${ts('completed_t')}, ${ts('failed_t')},
      ${ts('decisioned_t')}, ${ts('expired_t')}, ${ts('expires_t')}, ${ts('updated_t')}
    from seed_inquiries
    -- Rows land in creation order, as they would in a real system (the heap correlates with created_at).
    order by created_t, id`;
}

/**
 * Fans each staged inquiry out into up to `slots.length` rows (its sessions, its events): a row per slot whose
 * timestamp is set, with each column a CASE over the slot. (A LATERAL VALUES list reads more simply, but
 * PostgreSQL initialises a VALUES list's expressions again for every outer row: slower here, see
 * docs/performance.md, "Why the list is shaped this way".)
 * Expressions refer to the staged inquiry as `q` and to the slot number as `s.slot`.
 */
function fanOut(slots: Record<string, string>[], timestamp: string): { from: string; column: (name: string) => string } {
  const column = (name: string) => `(case s.slot ${slots.map((slot, i) => `when ${i + 1} then ${slot[name] ?? 'null'}`).join(' ')} end)`;
  return {
    from: `seed_inquiries q cross join generate_series(1, ${slots.length}) as s(slot) where ${column(timestamp)} is not null`,
    column,
  };
}

/**
 * Sessions: the end user's first session (expiry fixed at the creation expiry, so a slow starter is left
 * pending with no live session: the "stuck" case), a second device, and one per resume.
 */
export function insertSessionsSql(shape: WorldShape): string {
  const rnd = new SqlRandom(shape.seed);
  const ts = (t: string) => timestamp(shape.now, t);
  const draws = sessionDraws(rnd).resume;
  const endUser = { by: `'end_user'`, swept: 'q.nat_expired_t' };
  const resume = (j: 1 | 2 | 3) => {
    const d = draws[j - 1];
    if (!d) throw new Error(`no draws for resume ${j}`);
    const at = `q.res${j}_t`;
    const expires = `${at} + q.r_s`;
    const used = `${at} + 30 + round(${d.usedAfter} * 570)`;
    const revoked = `${at} + 120 + round(${d.revokedAfter} * 3600)`;
    // Some resumed sessions were revoked (a token sent to the wrong person, say): the last one more often.
    const revokeShare = `case when ${at} = q.res_last_t then 0.25 else 0.1 end`;
    return {
      at,
      expires,
      started: `case when ${d.used} < 0.7 and ${used} <= least(${expires}, 0) then ${used} end`,
      revoked: `case when ${d.revoke} < ${revokeShare} and ${revoked} <= least(${expires}, 0) then ${revoked} end`,
      fingerprint: rnd.fingerprint(0, `q.g * 8 + s.slot`),
      by: `case when q.customer_id is null then 'system' else 'partner' end`,
      byId: `coalesce(q.customer_id, 'backend-api')`,
    };
  };
  const f = fanOut(
    [
      { at: 'q.open_session_t', expires: 'q.e1_t', started: 'q.started_t', ...endUser },
      { at: 'q.dev2_t', expires: 'q.e2_t', started: 'q.dev2_t', ...endUser },
      resume(1),
      resume(2),
      resume(3),
    ],
    'at',
  );
  // Past its expiry (or its inquiry's, when the sweep expired the inquiry first) and not revoked: expired.
  const expiredT = `case when x.revoked_t is null and least(x.expires_t, x.swept_t) <= 0 then least(x.expires_t, x.swept_t) end`;
  return `insert into inquiry_sessions (id, inquiry_id, created_at, expires_at, started_at, expired_at, revoked_at,
      token_fingerprint, issued_by_type, issued_by_id)
    select ${rnd.id('iqse', ID_STREAMS.session, 'x.key')}, x.id, ${ts('x.created_t')}, ${ts('x.expires_t')}, ${ts('x.started_t')},
      ${ts(expiredT)}, ${ts('x.revoked_t')}, x.fingerprint, x.by_type, x.by_id
    from (
      select q.id, q.g * 8 + s.slot as key, ${f.column('at')} as created_t, ${f.column('expires')}::float8 as expires_t,
        ${f.column('started')}::float8 as started_t, ${f.column('revoked')}::float8 as revoked_t,
        ${f.column('swept')}::float8 as swept_t, ${f.column('fingerprint')}::text as fingerprint,
        ${f.column('by')}::text as by_type, ${f.column('byId')}::text as by_id
      from ${f.from}
    ) x`;
}

/**
 * The timeline: one event per thing that happened, at the timestamp the inquiry and its sessions record. Ids
 * are given (inquiry row × 16 + slot, so an inquiry's events keep their order) instead of drawn from the
 * identity one by one; the sequence is moved past them afterwards (eventSequenceSql).
 */
export function insertEventsSql(shape: WorldShape): string {
  const rnd = new SqlRandom(shape.seed);
  const by = `case when q.customer_id is null then 'system' else 'partner' end`;
  const afterResume = (j: 1 | 2 | 3) => `q.res${j}_t + q.r_s`;
  const resumed = (j: 1 | 2 | 3) => ({
    at: `q.res${j}_t`,
    kind: `'resumed'`,
    detail: `jsonb_build_object('by', ${by}, 'sessionId', ${rnd.id('iqse', ID_STREAMS.session, `q.g * 8 + ${2 + j}`)},
      'expiresAt', ${timestamp(shape.now, afterResume(j))})`,
  });
  // Between two resumes more than a policy window apart, the sweep expired the inquiry again.
  const expiredBetween = (j: 1 | 2) => ({
    at: `case when q.res${j + 1}_t > ${afterResume(j)} then ${afterResume(j)} end`,
    kind: `'expired'`,
    detail: `'{"by":"expiry sweep"}'::jsonb`,
  });
  const source = `case when q.kind = 'just_in_time' then 'static_link' when q.customer_id is not null then 'partner_api' else 'api' end`;
  const constant = (at: string, kind: string, detail: string) => ({ at, kind: `'${kind}'`, detail: `'${detail}'::jsonb` });
  const slots = [
    {
      at: 'q.created_t',
      kind: `'created'`,
      detail: `('{"source":"' || ${source} || '","versionNumber":' || q.version_number
        || coalesce(',"predecessorId":"' || q.predecessor_id || '"', '') || '}')::jsonb`,
    },
    // The session the end user opened to start is implied by `started` (and listed with the sessions).
    constant('q.started_t', 'started', '{}'),
    constant('q.dev2_t', 'session.issued', '{"issuedBy":"end_user","device":"another device"}'),
    constant('q.completed_t', 'completed', '{}'),
    constant('q.failed_t', 'failed', '{"reason":"verification checks failed"}'),
    constant('q.review_t', 'decisioned', '{"decision":"needs_review","by":"workflow"}'),
    {
      at: `case when q.decision <> 'needs_review' then q.decisioned_t end`,
      kind: `'decisioned'`,
      detail: `('{"decision":"' || q.decision || '","by":"' || case when q.review_t is null then 'workflow' else 'reviewer' end || '"}')::jsonb`,
    },
    constant('q.nat_expired_t', 'expired', '{"by":"expiry sweep"}'),
    resumed(1),
    expiredBetween(1),
    resumed(2),
    expiredBetween(2),
    resumed(3),
    { at: 'q.recreated_t', kind: `'recreated'`, detail: `jsonb_build_object('successorId', q.successor_id)` },
  ];
  if (slots.length > EVENT_SLOTS) throw new Error('more event slots than ids reserve');
  const f = fanOut(slots, 'at');
  return `insert into inquiry_events (id, inquiry_id, occurred_at, kind, detail) overriding system value
    select q.g * ${EVENT_SLOTS} + s.slot, q.id, ${timestamp(shape.now, f.column('at'))}, ${f.column('kind')}, ${f.column('detail')}
    from ${f.from}`;
}

const EVENT_SLOTS = 16;

/** Moves the events' identity past the ids the seed gave (never back), so the application's next event gets a fresh one. */
export const EVENT_SEQUENCE_SQL = `select setval(pg_get_serial_sequence('inquiry_events', 'id'), greatest(
  (select max(id) from inquiry_events), pg_sequence_last_value(pg_get_serial_sequence('inquiry_events', 'id')::regclass), 1))`;
