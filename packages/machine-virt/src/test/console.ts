// The scripted console moved to @armature/board/test (shared by every board's guest tests).
export { ScriptedConsole } from "@armature/board/test";
