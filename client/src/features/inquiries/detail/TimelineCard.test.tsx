import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { TimelineCard } from './TimelineCard';

describe('Timeline card', () => {
  it('says in words that an inquiry was started from a bare link, with when and from which address', () => {
    render(
      <TimelineCard
        events={[
          { id: 1, occurredAt: new Date(Date.now() - 60_000), kind: 'created', detail: {} },
          { id: 2, occurredAt: new Date(), kind: 'started_from_bare_id', detail: { address: '2001:db8:1:2::/64', via: '/verify', sessionId: 'iqse_1' } },
        ]}
      />,
    );
    expect(screen.getByText('Started from a link without a code or session token')).toBeTruthy();
    expect(screen.getByText(/address: 2001:db8:1:2::\/64/)).toBeTruthy();
    expect(screen.getByText('Created')).toBeTruthy();
  });
});
