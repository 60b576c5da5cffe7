import { z } from "zod";

// zod probes `new Function` to compile fast parsers, and the probe runs when a schema is created.
// Under our CSP (no 'unsafe-eval') the probe is reported as a violation, so it is switched off
// here, before any schema exists: main.tsx imports this module first. Parsing stays correct.
z.config({ jitless: true });
