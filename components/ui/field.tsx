import { CircleAlertIcon } from "lucide-react";
import { Slot as SlotPrimitive } from "radix-ui";
import * as React from "react";

import { Label } from "@/components/ui/label";
import { cn } from "@/lib/utils";

/** Field errors as server actions and zod return them: one message, several, or none. */
type FieldErrorValue = string | readonly string[] | null | undefined;

type FieldIds = {
  controlId: string;
  labelId: string;
  descriptionId: string;
  errorId: string;
};

/** The ids a field uses, derived from the control's id. */
function getFieldIds(controlId: string): FieldIds {
  return {
    controlId,
    labelId: `${controlId}-label`,
    descriptionId: `${controlId}-description`,
    errorId: `${controlId}-error`,
  };
}

function errorMessages(error: FieldErrorValue): string[] {
  if (error == null) return [];
  const list = typeof error === "string" ? [error] : [...error];
  return [...new Set(list.filter((message) => message.trim() !== ""))];
}

/** Props to spread on the control so it is labelled, described and marked invalid. */
type FieldControlProps = {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
  "aria-required"?: true;
};

/**
 * Compute the accessibility props of a field's control: `id`, `aria-describedby` (the error
 * first, then the description, only those that are rendered), `aria-invalid` when there is an
 * error and `aria-required` when required.
 */
function getFieldControlProps({
  id,
  hasDescription = false,
  error,
  required = false,
}: {
  id: string;
  hasDescription?: boolean;
  error?: FieldErrorValue;
  required?: boolean;
}): FieldControlProps {
  const ids = getFieldIds(id);
  const invalid = errorMessages(error).length > 0;
  const describedBy = [invalid ? ids.errorId : null, hasDescription ? ids.descriptionId : null]
    .filter(Boolean)
    .join(" ");
  return {
    id,
    ...(describedBy ? { "aria-describedby": describedBy } : {}),
    ...(invalid ? { "aria-invalid": true as const } : {}),
    ...(required ? { "aria-required": true as const } : {}),
  };
}

function FieldDescription({ className, ...props }: React.ComponentProps<"p">) {
  return (
    <p
      data-slot="field-description"
      className={cn("text-muted-foreground text-xs leading-snug", className)}
      {...props}
    />
  );
}

/** An inline error message. Renders nothing when there is no message. */
function FieldError({
  className,
  error,
  children,
  ...props
}: React.ComponentProps<"p"> & { error?: FieldErrorValue }) {
  const messages = errorMessages(error);
  if (messages.length === 0 && !children) return null;
  return (
    <p
      data-slot="field-error"
      className={cn("flex items-start gap-1.5 font-medium text-destructive text-xs leading-snug", className)}
      {...props}
    >
      <CircleAlertIcon aria-hidden="true" className="mt-px size-3.5 shrink-0" />
      <span>
        {children ??
          messages.map((message, index) => (
            <React.Fragment key={message}>
              {index > 0 ? <br /> : null}
              {message}
            </React.Fragment>
          ))}
      </span>
    </p>
  );
}

type FieldProps = Omit<React.ComponentProps<"div">, "children" | "id"> & {
  /** The visible label. */
  label: React.ReactNode;
  /** The control's id (generated when omitted); the other ids derive from it. */
  id?: string;
  description?: React.ReactNode;
  /** One message or several; the field is invalid when there is at least one. */
  error?: FieldErrorValue;
  /** Adds a visual marker to the label and `aria-required` to the control. */
  required?: boolean;
  /** Keep the label for assistive technology only. */
  hideLabel?: boolean;
  /** "horizontal" puts the control before the label (checkboxes, switches). */
  orientation?: "vertical" | "horizontal";
  /**
   * The control: a single element (it receives `id`, `aria-describedby`, `aria-invalid` and
   * `aria-required` through a Slot; its own props win), or a function that receives those props,
   * for composite controls such as `<Select>` whose focusable part is `<SelectTrigger>`.
   */
  children: React.ReactElement | ((control: FieldControlProps) => React.ReactNode);
};

/** Label + control + description + inline error, with the ids wired for assistive technology. */
function Field({
  label,
  id,
  description,
  error,
  required = false,
  hideLabel = false,
  orientation = "vertical",
  className,
  children,
  ...props
}: FieldProps) {
  const generatedId = React.useId();
  const controlId = id ?? `field${generatedId.replace(/[^a-zA-Z0-9_-]/g, "")}`;
  const ids = getFieldIds(controlId);
  const hasDescription = description != null && description !== false && description !== "";
  const controlProps = getFieldControlProps({ id: controlId, hasDescription, error, required });
  const invalid = controlProps["aria-invalid"] === true;

  const control =
    typeof children === "function" ? (
      children(controlProps)
    ) : (
      <SlotPrimitive.Slot {...controlProps}>{children}</SlotPrimitive.Slot>
    );

  const labelNode = (
    <Label id={ids.labelId} htmlFor={controlId} className={cn(hideLabel && "sr-only")}>
      {label}
      {required ? (
        <span aria-hidden="true" className="text-destructive">
          *
        </span>
      ) : null}
    </Label>
  );
  const messages = (
    <>
      {hasDescription ? <FieldDescription id={ids.descriptionId}>{description}</FieldDescription> : null}
      <FieldError id={ids.errorId} error={error} />
    </>
  );

  return (
    <div
      data-slot="field"
      data-invalid={invalid || undefined}
      data-orientation={orientation}
      className={cn(
        orientation === "horizontal"
          ? "grid grid-cols-[auto_1fr] items-start gap-x-2.5 gap-y-1"
          : "flex flex-col gap-1.5",
        className,
      )}
      {...props}
    >
      {orientation === "horizontal" ? (
        <>
          <div className="flex h-5 items-center">{control}</div>
          <div className="flex min-h-5 flex-col justify-center gap-1">
            {labelNode}
            {messages}
          </div>
        </>
      ) : (
        <>
          {labelNode}
          {control}
          {messages}
        </>
      )}
    </div>
  );
}

/**
 * After a failed submit, move focus to the first control marked `aria-invalid="true"` inside
 * `root` (a form), so keyboard and screen-reader users land on the first error.
 */
function focusFirstInvalid(root: ParentNode | null | undefined): boolean {
  const target = root?.querySelector<HTMLElement>('[aria-invalid="true"]');
  if (!target) return false;
  target.focus();
  return true;
}

export {
  Field,
  type FieldControlProps,
  FieldDescription,
  FieldError,
  type FieldErrorValue,
  type FieldIds,
  type FieldProps,
  focusFirstInvalid,
  getFieldControlProps,
  getFieldIds,
};
