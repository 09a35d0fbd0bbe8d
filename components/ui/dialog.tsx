"use client";

import { dormantPrimitive } from "./dormant";

/**
 * Dialogs whose code arrives when they are first used (./dormant.tsx): the real dialog is
 * dialog-radix.tsx, fetched when a trigger is pointed at or focused, or when its owner opens it,
 * and opened when the trigger is pressed. The API is that module's.
 */
type Radix = typeof import("./dialog-radix");

const { Root, Trigger, part } = dormantPrimitive<Radix>({
  load: () => import("./dialog-radix"),
  root: "Dialog",
  trigger: "DialogTrigger",
  popup: "dialog",
  opensOn: "click",
});

const Dialog = Root as unknown as Radix["Dialog"];
const DialogTrigger = Trigger as unknown as Radix["DialogTrigger"];
const DialogClose = part("DialogClose");
const DialogContent = part("DialogContent");
const DialogDescription = part("DialogDescription");
const DialogFooter = part("DialogFooter");
const DialogHeader = part("DialogHeader");
const DialogOverlay = part("DialogOverlay");
const DialogPortal = part("DialogPortal");
const DialogTitle = part("DialogTitle");

export {
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogOverlay,
  DialogPortal,
  DialogTitle,
  DialogTrigger,
};
