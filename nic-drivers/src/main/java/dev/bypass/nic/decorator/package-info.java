/** The base of the device decorators: {@link dev.bypass.nic.decorator.DeviceDecorator}. */
package dev.bypass.nic.decorator;
