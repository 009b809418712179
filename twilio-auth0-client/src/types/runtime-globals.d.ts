// The globals the Twilio Functions runtime provides (Runtime, Twilio, Functions) come from the
// runtime's own type package; referencing it here makes them known to every source file
// without a runtime import (the package is a dev dependency and is not deployed).
/// <reference types="@twilio-labs/serverless-runtime-types" />
