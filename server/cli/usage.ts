/** `leeway --help`, and what a mistake in the command line is shown with. */
export const USAGE = `leeway — the Leeway license server and its tools

Usage: leeway <command> [options]       (every command takes --data DIR, default $LEEWAY_DATA or ./data)

  init                                   create the data folder (keys, database, admin token, demo license)
  serve [--port N] [--host H] [--no-build] [--no-app] [--cors-origin ORIGIN]...
                                         serve the app and the API (default 127.0.0.1:8787);
                                         --no-app: the API only (no app, no admin dashboard);
                                         --cors-origin https://app.example.com: a page of that
                                         origin may call the public API (repeat for more)
  keys rotate [--root-key FILE]          new signing key, certified by the root key
  keys export-root [--private]           print the root public key (JWK) to pin into the app;
                                         --private: the private key, to keep it off the server
  move-to-postgres                       copy the data folder into the empty PostgreSQL database
                                         of DATABASE_URL, sealed under LEEWAY_KEK (docs/operations.md)
  license create --product P --plan P --seats N [--term-end DATE] [--recheck-every DURATION|never]
                 [--grace DURATION] [--note TEXT]
                 [--floating N --lease DURATION [--max-borrow DURATION]]
                                         --floating N: N devices at once, each on a lease of
                                         --lease (e.g. PT15M), borrowing up to --max-borrow (P7D)
                                         (default: as the plan says in the manifest; 0: node-locked)
  license list [--limit N] [--cursor C]
  license show ID
  license revoke|suspend|reinstate ID [--reason TEXT]
  license renew ID --term-end DATE
  license leases ID                      who holds the slots of a floating license, until when
  license end-lease ID --device D        end a device's lease or borrow now: its slot is free
  offline-activate --key KEY (--code CODE | --code-file FILE) [--out FILE]
                                         make a license file for an air-gapped device
  manifest apply FILE [--dry-run] [--max-lockouts N] [--note TEXT] [--author NAME]
                                         publish a new policy; --dry-run prints its impact on the
                                         devices in good standing and publishes nothing;
                                         --max-lockouts N exits 3 (publishing nothing) when more
                                         than N devices would lose a feature they have now
  manifest rollback VERSION [--note TEXT]
                                         publish an earlier version's body as a new version
  manifest history [--limit N] [--cursor C]
                                         the versions, newest first
                                         (manifest commands: --server URL works through that
                                         server's admin API with $LEEWAY_ADMIN_TOKEN instead)

DATE is ISO 8601 (2027-01-31 or 2027-01-31T12:00:00Z); DURATION is ISO 8601 (P7D, PT12H).`
