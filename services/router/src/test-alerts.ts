// Alerts for the router's tests: the shipped examples, and variations of them.
export { exampleAlert, exampleAlertJson as exampleText } from "@riposte/contracts/testing";
