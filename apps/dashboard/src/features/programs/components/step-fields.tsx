import { programChannels, type TProgramNodeType } from '@companero/contracts/creator-hub/programs';
import { type ReactNode, useId } from 'react';
import { SelectField, TextAreaField, TextField } from '../../../ui/form-field';
import type { FieldErrors } from '../program-problems';
import type { StepOf } from '../program-steps';
import { AskBranchesFields } from './ask-branches-fields';
import { ConditionRulesFields } from './condition-rules-fields';
import { DurationFields, WeekdaysField } from './schedule-fields';
import { ListField } from './synced-inputs';
import { TriggersFields } from './triggers-fields';

export type StepFieldsProps<Type extends TProgramNodeType> = {
  step: StepOf<Type>;
  errors: FieldErrors;
  /** Changes the step's data; `field` names the control, so typing in it is one undo step. */
  setData: (field: string, update: (data: StepOf<Type>['data']) => StepOf<Type>['data']) => void;
  programs: { id: string; name: string }[];
};

const channelLabels: Record<(typeof programChannels)[number], string> = {
  auto: 'Best available (your channel order)',
  whatsapp: 'WhatsApp',
  telegram: 'Telegram',
  widget: 'Web widget',
  app: 'Mobile app',
  push: 'Push notification',
};

const ChannelField = ({
  value,
  onChange,
}: {
  value: (typeof programChannels)[number];
  onChange: (value: (typeof programChannels)[number]) => void;
}) => (
  <SelectField
    label="Channel"
    hint="Where it is sent when the member can be reached there."
    value={value}
    onChange={(event) => onChange(event.target.value as (typeof programChannels)[number])}
  >
    {programChannels.map((channel) => (
      <option key={channel} value={channel}>
        {channelLabels[channel]}
      </option>
    ))}
  </SelectField>
);

const variablesHint = (
  <>
    Personalise with <code>{'{{member.firstName}}'}</code>, <code>{'{{member.name}}'}</code> or{' '}
    <code>{'{{answers.NAME}}'}</code> after a question saved as NAME.
  </>
);

/** The text a message or a question sends, and its quick replies (both steps send the same way). */
const SentTextFields = (props: {
  label: string;
  rows: number;
  quickRepliesHint: string;
  text: string;
  quickReplies: string[];
  errors: FieldErrors;
  onText: (text: string) => void;
  onQuickReplies: (quickReplies: string[]) => void;
}) => (
  <>
    <TextAreaField
      label={props.label}
      name="text"
      rows={props.rows}
      maxLength={4096}
      value={props.text}
      hint={variablesHint}
      error={props.errors['data.text']}
      onChange={(event) => props.onText(event.target.value)}
    />
    <ListField
      label="Quick replies"
      name="quickReplies"
      hint={props.quickRepliesHint}
      isOptional
      separator="line"
      value={props.quickReplies}
      error={props.errors['data.quickReplies']}
      onChange={props.onQuickReplies}
    />
  </>
);

const MessageFields = ({ step, errors, setData }: StepFieldsProps<'message'>) => (
  <>
    <SentTextFields
      label="Message"
      rows={4}
      quickRepliesHint="One per line; buttons under the message where the channel shows them (10 at most)."
      text={step.data.text}
      quickReplies={step.data.quickReplies}
      errors={errors}
      onText={(text) => setData('text', (data) => ({ ...data, text }))}
      onQuickReplies={(quickReplies) => setData('quickReplies', (data) => ({ ...data, quickReplies }))}
    />
    <ChannelField
      value={step.data.channel}
      onChange={(channel) => setData('channel', (data) => ({ ...data, channel }))}
    />
  </>
);

const AskFields = ({ step, errors, setData }: StepFieldsProps<'ask'>) => (
  <>
    <SentTextFields
      label="Question"
      rows={3}
      quickRepliesHint="One per line. Each can have its own branch below."
      text={step.data.text}
      quickReplies={step.data.quickReplies}
      errors={errors}
      onText={(text) => setData('text', (data) => ({ ...data, text }))}
      onQuickReplies={(quickReplies) => setData('quickReplies', (data) => ({ ...data, quickReplies }))}
    />
    <AskBranchesFields step={step} errors={errors} setData={setData} />
    <DurationFields
      legend="Wait for an answer"
      value={step.data.timeout}
      errors={errors}
      errorPrefix="data.timeout"
      onChange={(timeout) => setData('timeout', (data) => ({ ...data, timeout }))}
    />
    <TextField
      label="Save the answer as"
      name="saveAs"
      isOptional
      maxLength={40}
      placeholder="mood"
      value={step.data.saveAs ?? ''}
      hint={
        <>
          Later steps can use it as <code>{`{{answers.${step.data.saveAs || 'NAME'}}}`}</code>.
        </>
      }
      error={errors['data.saveAs']}
      onChange={(event) => {
        const saveAs = event.target.value.trim() || undefined;
        setData('saveAs', (data) => ({ ...data, saveAs }));
      }}
    />
    <ChannelField
      value={step.data.channel}
      onChange={(channel) => setData('channel', (data) => ({ ...data, channel }))}
    />
  </>
);

const WaitFields = ({ step, errors, setData }: StepFieldsProps<'wait'>) => {
  const data = step.data;
  const modeName = useId();
  return (
    <>
      <fieldset className="step-fieldset">
        <legend className="field__label">Wait</legend>
        <div className="segmented" role="radiogroup" aria-label="Kind of wait">
          <label className="segmented__option">
            <input
              type="radio"
              name={modeName}
              checked={data.mode === 'duration'}
              onChange={() =>
                setData('mode', () => ({ mode: 'duration', duration: { amount: 1, unit: 'days' } }))
              }
            />
            <span>For a while</span>
          </label>
          <label className="segmented__option">
            <input
              type="radio"
              name={modeName}
              checked={data.mode === 'until'}
              onChange={() => setData('mode', () => ({ mode: 'until', time: '08:00' }))}
            />
            <span>Until a time of day</span>
          </label>
        </div>
      </fieldset>
      {data.mode === 'duration' ? (
        <DurationFields
          legend="How long"
          value={data.duration}
          errors={errors}
          errorPrefix="data.duration"
          onChange={(duration) => setData('duration', () => ({ mode: 'duration', duration }))}
        />
      ) : (
        <>
          <TextField
            label="Time of day"
            name="time"
            type="time"
            value={data.time}
            hint="In the member’s time zone."
            error={errors['data.time']}
            onChange={(event) => {
              const time = event.target.value;
              setData('time', (current) => (current.mode === 'until' ? { ...current, time } : current));
            }}
          />
          <WeekdaysField
            value={data.weekdays}
            error={errors['data.weekdays']}
            onChange={(weekdays) =>
              setData('weekdays', (current) =>
                current.mode === 'until' ? { ...current, weekdays } : current,
              )
            }
          />
        </>
      )}
    </>
  );
};

const AiMessageFields = ({ step, errors, setData }: StepFieldsProps<'ai_message'>) => (
  <>
    <TextAreaField
      label="Instruction for the coach"
      name="instruction"
      rows={4}
      maxLength={2000}
      placeholder="Encourage them in two sentences and suggest one small next step."
      value={step.data.instruction}
      hint="The coach writes the message in its persona’s voice, from this instruction."
      error={errors['data.instruction']}
      onChange={(event) => {
        const instruction = event.target.value;
        setData('instruction', (data) => ({ ...data, instruction }));
      }}
    />
    <label className="checkbox-field">
      <input
        type="checkbox"
        checked={step.data.useKnowledge}
        onChange={(event) => {
          const useKnowledge = event.target.checked;
          setData('useKnowledge', (data) => ({ ...data, useKnowledge }));
        }}
      />
      <span>Use my knowledge base</span>
    </label>
    <ChannelField
      value={step.data.channel}
      onChange={(channel) => setData('channel', (data) => ({ ...data, channel }))}
    />
  </>
);

const TagFields = ({ step, errors, setData }: StepFieldsProps<'tag'>) => (
  <>
    <SelectField
      label="Action"
      value={step.data.action}
      onChange={(event) => {
        const action = event.target.value as 'add' | 'remove';
        setData('action', (data) => ({ ...data, action }));
      }}
    >
      <option value="add">Add tags</option>
      <option value="remove">Remove tags</option>
    </SelectField>
    <ListField
      label="Tags"
      name="tags"
      separator="comma"
      placeholder="morning-routine, week-1"
      hint="Separated by commas."
      value={step.data.tags}
      error={errors['data.tags']}
      onChange={(tags) => setData('tags', (data) => ({ ...data, tags }))}
    />
  </>
);

const WebhookFields = ({ step, errors, setData }: StepFieldsProps<'webhook'>) => (
  <TextField
    label="URL"
    name="url"
    type="url"
    inputMode="url"
    placeholder="https://example.com/hooks/compañero"
    value={step.data.url}
    hint="Receives a signed POST with the member and the program; a failure takes the Failed exit."
    error={errors['data.url']}
    onChange={(event) => {
      const url = event.target.value.trim();
      setData('url', (data) => ({ ...data, url }));
    }}
  />
);

const GotoProgramFields = ({ step, errors, setData, programs }: StepFieldsProps<'goto_program'>) => (
  <SelectField
    label="Program"
    value={step.data.programId}
    error={errors['data.programId']}
    onChange={(event) => {
      const programId = event.target.value;
      setData('programId', (data) => ({ ...data, programId }));
    }}
  >
    <option value="">Choose a program…</option>
    {programs.map((program) => (
      <option key={program.id} value={program.id}>
        {program.name}
      </option>
    ))}
  </SelectField>
);

const StartFields = ({ step, errors, setData }: StepFieldsProps<'start'>) => (
  <TriggersFields step={step} errors={errors} setData={setData} />
);

const EndFields = () => <p className="muted">Members who reach this step finish the program.</p>;

const ConditionFields = ({ step, errors, setData }: StepFieldsProps<'condition'>) => (
  <>
    <SelectField
      label="Go to Yes when"
      value={step.data.match}
      onChange={(event) => {
        const match = event.target.value as 'all' | 'any';
        setData('match', (data) => ({ ...data, match }));
      }}
    >
      <option value="all">All the rules hold</option>
      <option value="any">Any rule holds</option>
    </SelectField>
    <ConditionRulesFields step={step} errors={errors} setData={setData} />
  </>
);

/** The form of each kind of step. */
export const stepFields: { [Type in TProgramNodeType]: (props: StepFieldsProps<Type>) => ReactNode } = {
  start: StartFields,
  message: MessageFields,
  ask: AskFields,
  wait: WaitFields,
  condition: ConditionFields,
  ai_message: AiMessageFields,
  tag: TagFields,
  webhook: WebhookFields,
  goto_program: GotoProgramFields,
  end: EndFields,
};
