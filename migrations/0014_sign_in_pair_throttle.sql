-- Sign-in throttling per (account, address): five wrong passwords from anywhere used to lock the account for
-- everyone, its owner included. Now a pair `pair:<address>|<email>` locks after failures from one address, an
-- address `ip:<address>` after failures across accounts, and the account `account:<email>` never locks: past its
-- threshold it only makes each attempt wait a few seconds (server/auth/throttle.ts).
-- `account` names the email a pair or account key counts for, so an admin can find and clear its locks
-- (staff.unlockSignIn) and the Staff page can show them. Frozen once released: later changes go into a new file.
alter table login_throttle drop constraint login_throttle_key_check;
alter table login_throttle add constraint login_throttle_key_check check (key ~ '^(account|ip|pair):' and length(key) <= 400);
alter table login_throttle add column account text check (account is null or length(account) <= 254);

-- Account keys no longer lock: a lock set under the old rule is lifted (its count stays, as the slow-down's).
update login_throttle set account = substr(key, length('account:') + 1), locked_until = null where key ~ '^account:';

alter table login_throttle add constraint login_throttle_key_account_check check ((key ~ '^ip:') = (account is null));
create index login_throttle_account_idx on login_throttle (account) where account is not null;
