// The lifecycle suite against the emulator's ams dialect (test/e2e/providerSuite.ts).
import { providerLifecycleSuite } from './providerSuite.js';

providerLifecycleSuite('ams');
