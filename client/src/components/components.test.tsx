import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '../test/renderApp';
import { ExpiryText } from './ExpiryText';
import { RelativeTime } from './RelativeTime';
import { StatusChip } from './StatusChip';
import { VersionChip } from './VersionChip';

const HOUR = 3_600_000;

describe('StatusChip', () => {
  it('labels known statuses', () => {
    renderWithProviders(<StatusChip status="needs_review" />);
    expect(screen.getByText('Needs review')).toBeTruthy();
  });

  it('shows a status it does not know as-is instead of failing', () => {
    renderWithProviders(<StatusChip status="under_investigation" />);
    expect(screen.getByText('under_investigation')).toBeTruthy();
  });
});

describe('VersionChip', () => {
  it('says how far behind an outdated version is', () => {
    renderWithProviders(<VersionChip versionNumber={3} latestVersionNumber={5} />);
    expect(screen.getByText('v3 · 2 behind')).toBeTruthy();
  });

  it('says when a version is the latest', () => {
    renderWithProviders(<VersionChip versionNumber={5} latestVersionNumber={5} />);
    expect(screen.getByText('v5 · latest')).toBeTruthy();
  });

  it('names the latest version in the long form', () => {
    renderWithProviders(<VersionChip versionNumber={3} latestVersionNumber={5} variant="long" />);
    const chip = screen.getByText('v3 of 5 · 2 behind').closest('.MuiChip-root');
    expect(chip?.className).toContain('MuiChip-colorWarning');
  });
});

describe('ExpiryText', () => {
  it('counts down while the inquiry runs', () => {
    renderWithProviders(<ExpiryText expiresAt={new Date(Date.now() + 5 * HOUR + 60_000)} status="pending" />);
    expect(screen.getByText('in 5 h')).toBeTruthy();
  });

  it('says how long ago it expired', () => {
    renderWithProviders(<ExpiryText expiresAt={new Date(Date.now() - 3 * 24 * HOUR)} status="expired" />);
    expect(screen.getByText('expired 3 d ago')).toBeTruthy();
  });
});

describe('RelativeTime', () => {
  it('shows relative text with the exact time in the viewer’s zone as its title', () => {
    const value = new Date(Date.now() - 3 * 24 * HOUR);
    renderWithProviders(<RelativeTime value={value} />);
    const time = screen.getByText('3 d ago');
    expect(time.tagName).toBe('TIME');
    expect(time.getAttribute('datetime')).toBe(value.toISOString());
    expect(time.getAttribute('title')).toBe(new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' }).format(value));
  });

  it('shows a dash when there is no time', () => {
    renderWithProviders(<RelativeTime value={null} />);
    expect(screen.getByText('—')).toBeTruthy();
  });
});
