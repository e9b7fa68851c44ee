// Like the real worker, provide @azure/functions-core before any test loads @azure/functions;
// otherwise the library runs in "test mode" and skips registrations.
import { installFunctionsCore } from '../../devhost/worker/functionsCore.js';

installFunctionsCore();
