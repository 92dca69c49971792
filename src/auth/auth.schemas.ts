import { Type } from 'typebox';

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('assessor')]);
export const UserView = Type.Object({ id: Type.String(), username: Type.String(), displayName: Type.String(), role: Role, disabled: Type.Boolean() });
export const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const LoginView = Type.Object({ token: Type.String(), user: UserView, expiresInMinutes: Type.Integer() });
export const MeView = Type.Object({ id: Type.String(), username: Type.String(), role: Role });
export const NewUserBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$' }),
    password: Type.String({ minLength: 12, maxLength: 200, description: '至少 12 个字符；过于常见的密码会被拒绝' }),
    role: Role,
    displayName: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const Password = Type.String({ minLength: 12, maxLength: 200, description: '至少 12 个字符；过于常见的密码会被拒绝' });
export const ChangePasswordBody = Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password }, { additionalProperties: false });
export const ResetPasswordBody = Type.Object({ password: Password }, { additionalProperties: false });
export const UpdateUserBody = Type.Object(
  { displayName: Type.Optional(Type.String({ maxLength: 64 })), role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export const UserIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
export const SessionView = Type.Object({ token: Type.String(), user: UserView, expiresInMinutes: Type.Integer() });
